// Hostile files to every loader (child processes, so a crash is seen as a signal), and divergence: a NaN loss
// stops training with a message and keeps the last good checkpoint.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { loadCheckpoint } from '../../src/train/index.js';
import { root, spawnCli, temporary } from './faults-helpers.js';

const helpers = path.join(root, 'dist', 'test', 'helpers');

function runChild(script: string, args: string[]): Record<string, unknown> {
  const child = spawnSync(process.execPath, [path.join(helpers, script), ...args], { encoding: 'utf8', timeout: 300_000 });
  assert.equal(child.signal, null, `${script} crashed (${child.signal}):\n${child.stderr.slice(-2000)}`);
  assert.equal(child.status, 0, child.stderr.slice(-2000));
  return JSON.parse(child.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
}

test('10,000 mutated .pt files: each loads or is an Error (never a crash)', () => {
  const summary = runChild('pt-fuzz.js', ['10000', '777']) as { total: number; loaded: number; rejected: number; mismatched: number };
  assert.equal(summary.loaded + summary.rejected, 10000);
  assert.equal(summary.mismatched, 0);
  console.log(`hostile .pt: ${JSON.stringify(summary)}`);
});

test('1,000 mutated files per loader (safetensors, checkpoints, masks, IDX, gzip, JSON/YAML configs, metrics, run dirs)', () => {
  const summary = runChild('file-fuzz.js', ['1000', '99']) as Record<string, { loaded: number; rejected: number }>;
  assert.deepEqual(Object.keys(summary), ['safetensors', 'checkpoint', 'masks', 'idx', 'idx.gz', 'config.json', 'config.yaml', 'metrics', 'run dir']);
  for (const [loader, counts] of Object.entries(summary)) {
    assert.equal(counts.loaded + counts.rejected, 1000, loader);
    assert.ok(counts.rejected > 500, `${loader}: most mutations are caught (${JSON.stringify(counts)})`);
  }
  // A checksum covers every tensor byte and the metadata: a mutated safetensors or mask file loads only when the
  // mutation left its content intact (e.g. it changed the header's padding spaces).
  assert.ok(summary.safetensors.loaded <= 10 && summary.masks.loaded <= 10, 'mutated safetensors and masks are refused');
  console.log(`hostile files: ${JSON.stringify(summary)}`);
});

test('divergence: a NaN loss stops train with a message, exit 1, and the last good checkpoint kept', async () => {
  const dir = temporary('diverge');
  try {
    const out = path.join(dir, 'run');
    const child = spawnCli(['train', '--model', 'lenet300', '--dataset', 'fashion-mnist', '--epochs', '2', '--batch-size', '64', '--lr', '1e12',
      '--momentum', '0', '--limit-train', '512', '--limit-test', '100', '--threads', '1', '--progress', 'none', '--checkpoint-every', '1', '--out', out]);
    const { code } = await child.exit;
    assert.equal(code, 1, child.output());
    assert.match(child.output(), /training stopped: (the loss is (NaN|Infinity)|a weight became NaN or infinite).*the last good checkpoint \(step (\d+)\) is kept/);
    const step = Number(/the last good checkpoint \(step (\d+)\)/.exec(child.output())![1]);
    const loaded = loadCheckpoint(out)!;
    assert.equal(loaded.state.globalStep, step);
    assert.ok(Object.values(loaded.model).every((tensor) => tensor.isfinite().all().item() === 1), 'the kept checkpoint is finite');
    loaded.dispose();
    assert.ok(!fs.existsSync(path.join(out, 'running.lock')));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
