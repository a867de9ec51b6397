// Inputs that used to give silently wrong results, on the command line: --limit-train 0 is a usage error, and
// `prune` warns of layer collapse. The library checks are test/train/silent-results.test.ts.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sketchprune-silent-cli-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));
const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'bin', 'sketchprune.js');

test('--limit-train 0 is a usage error, not "all examples"', () => {
  const result = spawnSync(process.execPath, [bin, 'train', '--model', 'lenet300', '--dataset', 'fashion-mnist', '--epochs', '1',
    '--batch-size', '8', '--lr', '0.1', '--limit-train', '0', '--out', path.join(root, 'limit')], { encoding: 'utf8' });
  assert.equal(result.status, 2);
  assert.match(result.stderr, /--limit-train must be an integer ≥ 1, got '0'/);
});

test('a density that empties whole layers warns of layer collapse (prune command)', () => {
  const out = path.join(root, 'collapse.safetensors');
  const cli = spawnSync(process.execPath, [bin, 'prune', '--model', 'lenet300', '--method', 'magnitude', '--density', '1e-7', '--out', out], { encoding: 'utf8' });
  assert.equal(cli.status, 0, cli.stderr);
  assert.match(cli.stderr, /warning: 2 layers keep no weights/);
});
