// Atomic writes leave no temporary file behind when they fail, clean up those of killed writers, and name the
// file in their errors; output directories under /proc fail at once instead of hanging.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomic, removeStaleTemporaries } from '../../src/foundations/atomic.js';
import { ensureDirectory } from '../../src/foundations/directories.js';

const deadPid = (): number => Number(spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' }).stdout.trim());

test('temporary files of killed writers are removed by the next write; a live writer\'s are kept', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sp-atomic-'));
  try {
    const file = path.join(dir, 'checkpoint.safetensors');
    const dead = path.join(dir, `checkpoint.safetensors.tmp-${deadPid()}-1732000000000`);
    const live = path.join(dir, `checkpoint.safetensors.tmp-${process.ppid}-7`);
    const other = path.join(dir, `masks.safetensors.tmp-${deadPid()}-3`);
    for (const f of [dead, live, other]) fs.writeFileSync(f, 'half a file');
    writeFileAtomic(file, 'complete');
    assert.equal(fs.readFileSync(file, 'utf8'), 'complete');
    assert.deepEqual(fs.readdirSync(dir).sort(), [path.basename(file), path.basename(live), path.basename(other)].sort());
    assert.equal(removeStaleTemporaries(path.join(dir, 'masks.safetensors')), 1);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a failed write removes its temporary file and names the file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sp-atomic-'));
  try {
    const target = path.join(dir, 'result.json');
    fs.mkdirSync(target); // rename onto a directory fails
    assert.throws(() => writeFileAtomic(target, 'x'), (error: Error) => error.message.startsWith(`cannot write ${target}: `));
    assert.deepEqual(fs.readdirSync(dir), ['result.json']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('directories under /proc or below a file fail at once with the directory named', () => {
  const started = Date.now();
  assert.throws(() => ensureDirectory('/proc/sketchprune-test/x'), /cannot create directory \/proc\/sketchprune-test\/x: /);
  assert.throws(() => writeFileAtomic('/proc/sketchprune-test/result.json', 'x'), /cannot write \/proc\/sketchprune-test\/result\.json: .*cannot create directory/);
  assert.ok(Date.now() - started < 2000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sp-atomic-'));
  try {
    fs.writeFileSync(path.join(dir, 'file'), '');
    assert.throws(() => ensureDirectory(path.join(dir, 'file', 'sub')), /not a directory/);
    ensureDirectory(path.join(dir, 'a', 'b', 'c'));
    assert.ok(fs.statSync(path.join(dir, 'a', 'b', 'c')).isDirectory());
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
