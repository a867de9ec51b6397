// `train` takes a lock on its --out directory: a second `train --resume` on the same directory refuses to start
// (two writers of one checkpoint), and the lock is gone after a run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { processStartTime } from '../../src/foundations/lock.js';

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'bin', 'sketchprune.js');

test('a second train on a locked --out fails naming the holder; a stale lock is taken over', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'sp-train-lock-'));
  const holder = spawn('sleep', ['30']);
  try {
    const lock = path.join(out, 'running.lock');
    fs.writeFileSync(lock, JSON.stringify({ pid: holder.pid, start: processStartTime(holder.pid!), host: os.hostname() }));
    const args = [bin, 'train', '--model', 'lenet300', '--dataset', 'fashion-mnist', '--data-dir', path.join(out, 'no-data'),
      '--epochs', '1', '--batch-size', '8', '--lr', '0.1', '--out', out, '--resume', '--progress', 'none'];
    const busy = spawnSync(process.execPath, args, { encoding: 'utf8' });
    assert.equal(busy.status, 1, busy.stderr);
    assert.match(busy.stderr, new RegExp(`${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is being trained by process ${holder.pid}`));
    assert.ok(!fs.existsSync(path.join(out, 'config.json')), 'nothing was written');
    holder.kill('SIGKILL');
    spawnSync('sleep', ['0.2']);
    // The holder is gone: the lock is stale, taken over, and the run proceeds (to the missing data here).
    const next = spawnSync(process.execPath, args, { encoding: 'utf8' });
    assert.equal(next.status, 1);
    assert.doesNotMatch(next.stderr, /being trained by process/);
    assert.match(next.stderr, /no-data/);
    assert.ok(!fs.existsSync(lock), 'released after the run');
  } finally {
    holder.kill('SIGKILL');
    fs.rmSync(out, { recursive: true, force: true });
  }
});
