// The commands that take --device (prune, train, run, demo) on this CPU-only machine: a CUDA device is refused
// with a clear message before any work (exit 1, nothing written), a bad name is a usage error (exit 2), and
// --device cpu prunes as before.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildInfo } from '../../src/torch/index.js';

const cuda = buildInfo().cudaAvailable;
const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'bin', 'sketchprune.js');
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sketchprune-device-cli-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));

const tiny = {
  model: 'fc', modelOptions: { widths: [16] }, dataset: 'synthetic', data: { trainSubset: 128, testSubset: 64 },
  pruning: { method: 'synflow', iterations: 3 }, density: 0.3,
  train: { epochs: 1, batchSize: 32, maxStepsPerEpoch: 3, milestones: [] },
};

test('CLI: prune, train, run and demo refuse --device cuda (exit 1, nothing written) and reject a bad name (exit 2)', { skip: cuda && 'this libtorch has CUDA' }, () => {
  const config = path.join(root, 'exp.json');
  fs.writeFileSync(config, JSON.stringify({ name: 'cli', base: tiny }));
  const out = path.join(root, 'cli-out');
  const cases: [string[], number, RegExp][] = [
    [['prune', '--model', 'fc', '--method', 'synflow', '--density', '0.5', '--device', 'cuda', '--out', path.join(out, 'm.safetensors')], 1, /--device cuda: CUDA not available in this libtorch build/],
    [['prune', '--model', 'fc', '--method', 'synflow', '--density', '0.5', '--device', 'gpu'], 2, /--device: expected cpu, cuda or cuda:N, got "gpu"/],
    [['train', '--model', 'fc', '--dataset', 'fashion-mnist', '--epochs', '1', '--batch-size', '8', '--lr', '0.1', '--device', 'cuda:0', '--out', path.join(out, 't')], 1, /--device cuda:0: CUDA not available in this libtorch build/],
    [['train', '--model', 'fc', '--dataset', 'fashion-mnist', '--epochs', '1', '--batch-size', '8', '--lr', '0.1', '--device', 'cuda:x'], 2, /--device: expected cpu, cuda or cuda:N/],
    [['run', config, '--device', 'cuda', '--out', path.join(out, 'r'), '--no-report'], 1, /device cuda: CUDA not available in this libtorch build/],
    [['run', config, '--device', 'tpu', '--out', path.join(out, 'r')], 2, /--device: expected cpu, cuda or cuda:N/],
    [['demo', '--quick', '--device', 'cuda', '--out', path.join(out, 'd'), '--report', path.join(out, 'dr')], 1, /CUDA not available in this libtorch build/],
  ];
  for (const [args, status, message] of cases) {
    const result = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
    assert.equal(result.status, status, `${args.join(' ')}: ${result.stdout}${result.stderr}`);
    assert.match(result.stderr, message, args.join(' '));
  }
  assert.equal(fs.existsSync(out), false, 'nothing was written');
});

test('CLI: prune --device cpu writes masks at the density', () => {
  const file = path.join(root, 'cpu-masks.safetensors');
  const result = spawnSync(process.execPath, [bin, 'prune', '--model', 'fc', '--method', 'synflow', '--density', '0.25', '--iterations', '3', '--device', 'cpu', '--out', file], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /to density 25 % on cpu/);
  assert.ok(fs.existsSync(file));
});
