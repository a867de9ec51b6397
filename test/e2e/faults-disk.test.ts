// A full disk (a small tmpfs): train and run fail with errors that name the file and say the disk is full, leave
// no temporary files, keep what was complete, and finish after space is freed (resuming, not restarting).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { runDirs, spawnCli, temporary, tinyExperiment } from './faults-helpers.js';

const dir = temporary('disk');
const mount = path.join(dir, 'small');
const trainMount = path.join(dir, 'small-train');
fs.mkdirSync(mount);
fs.mkdirSync(trainMount);
const mounted = [mount, trainMount].every((target) => spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=96k', 'tmpfs', target]).status === 0);
after(() => {
  for (const target of [mount, trainMount]) spawnSync('umount', [target]);
  fs.rmSync(dir, { recursive: true, force: true });
});
const skip = mounted ? false : 'needs root to mount a small tmpfs (mount -t tmpfs)';

function filesBelow(root: string): string[] {
  return fs.readdirSync(root, { recursive: true }).map(String);
}

test('run on a full disk: the error names the file, no temporary file is left, a rerun with space resumes', { skip }, async () => {
  const config = tinyExperiment(dir, 3);
  const out = path.join(mount, 'runs');
  const first = spawnCli(['run', config, '--out', out, '--threads', '1', '--no-report']);
  const { code } = await first.exit;
  assert.equal(code, 1, first.output());
  assert.match(first.output(), /FAILED: cannot write \S+(checkpoint|masks)\.safetensors: no space left on device/);
  assert.deepEqual(filesBelow(out).filter((name) => /\.tmp-\d+-\d+$/.test(name)), [], 'no temporary files left');
  for (const run of runDirs(out)) {
    for (const file of ['config.json', 'masks.safetensors', 'checkpoints/checkpoint.safetensors']) {
      const full = path.join(run, file);
      if (fs.existsSync(full)) assert.ok(fs.statSync(full).size > 0, `${file} is complete or absent`);
    }
  }
  assert.equal(spawnSync('mount', ['-o', 'remount,size=16m', mount]).status, 0);
  const second = spawnCli(['run', config, '--out', out, '--threads', '1', '--no-report']);
  assert.equal((await second.exit).code, 0, second.output());
  for (const run of runDirs(out)) assert.equal(JSON.parse(fs.readFileSync(path.join(run, 'result.json'), 'utf8')).steps, 24);
});

test('train on a full disk fails naming the checkpoint file and leaves no temporary file', { skip }, async () => {
  const out = path.join(trainMount, 'train');
  const child = spawnCli(['train', '--model', 'lenet300', '--dataset', 'fashion-mnist', '--epochs', '1', '--batch-size', '64', '--lr', '0.05',
    '--limit-train', '256', '--limit-test', '100', '--threads', '1', '--progress', 'none', '--out', out]);
  const { code } = await child.exit;
  assert.equal(code, 1, child.output());
  assert.match(child.output(), new RegExp(`cannot write ${out}/checkpoint\\.safetensors: no space left on device`));
  assert.deepEqual(filesBelow(out).filter((name) => name.includes('.tmp-')), []);
  assert.ok(!fs.existsSync(path.join(out, 'running.lock')), 'the lock is released');
});
