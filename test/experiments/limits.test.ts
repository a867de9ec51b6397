// Unbounded requests are refused before any work: a 10^9-run grid (counted, not expanded), absurd --threads and
// --workers, and an output directory under /proc (Node's recursive mkdir never returns there).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildExperiment } from '../../src/experiments/experiment.js';

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'bin', 'sketchprune.js');
const base = { model: 'lenet300', dataset: 'synthetic', pruning: { method: 'random' }, train: { epochs: 1 } };
const values = (n: number, f: (i: number) => unknown) => Array.from({ length: n }, (_, i) => f(i));

test('a grid of 10^9 runs is refused from its count, without expanding it', () => {
  const before = process.memoryUsage().rss;
  const started = Date.now();
  const grid = { seed: values(1000, (i) => i), density: values(1000, (i) => (i + 1) / 1001), lr: values(1000, (i) => 0.001 * (i + 1)) };
  assert.throws(() => buildExperiment({ name: 'huge', base: { ...base, train: { epochs: 1 } }, grid: { seed: grid.seed, density: grid.density, 'train': values(1000, (i) => ({ epochs: 1, lr: grid.lr[i] })) } }, 'huge.json'),
    /grid: expands to 1,000,000,000 runs, more than the limit of 100,000/);
  assert.ok(Date.now() - started < 2000, 'refused at once');
  assert.ok(process.memoryUsage().rss - before < 200e6, 'without building the runs');
  // A list of grids is counted as the sum of its products.
  assert.throws(() => buildExperiment({ name: 'sum', base, grid: [{ seed: values(400, (i) => i), density: values(300, (i) => (i + 1) / 301) }, { seed: [0], density: [0.1] }] }, 'sum.json'),
    /expands to 120,001 runs/);
});

test('run, train and prune refuse --threads and --workers above 4 per core; --out under /proc fails at once', () => {
  const limit = 4 * os.availableParallelism();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sp-limits-'));
  try {
    const config = path.join(dir, 'x.json');
    fs.writeFileSync(config, JSON.stringify({ name: 'x', base: { ...base, density: 0.5 } }));
    const cases: [string[], RegExp][] = [
      [['run', config, '--threads', '100000'], new RegExp(`--threads 100000 is more than 4 per core \\(${limit} on this machine\\)`)],
      [['run', config, '--workers', String(limit + 1)], /--workers \d+ is more than 4 per core/],
      [['train', '--model', 'lenet300', '--dataset', 'fashion-mnist', '--epochs', '1', '--batch-size', '8', '--lr', '0.1', '--threads', '100000'], /--threads 100000 is more than 4 per core/],
      [['prune', '--model', 'lenet300', '--method', 'random', '--density', '0.1', '--threads', '100000', '--out', path.join(dir, 'm.safetensors')], /--threads 100000 is more than 4 per core/],
    ];
    for (const [args, message] of cases) {
      const result = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 30_000 });
      assert.equal(result.status, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message);
    }
    const proc = spawnSync(process.execPath, [bin, 'run', config, '--out', '/proc/sketchprune-test', '--no-report'], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(proc.signal, null, 'did not hang');
    assert.equal(proc.status, 1);
    assert.match(proc.stderr, /cannot create directory \/proc\/sketchprune-test/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
