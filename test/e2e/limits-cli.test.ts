// The command line refuses unbounded requests before any work: absurd --threads and --workers for run, train and
// prune, and an output directory under /proc (Node's recursive mkdir never returns there). The grid-size limit is
// test/experiments/limits.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'bin', 'sketchprune.js');
const base = { model: 'lenet300', dataset: 'synthetic', pruning: { method: 'random' }, train: { epochs: 1 } };

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
