// Run locks: recycled pids are not owners, a worker adopts its parent's lock, and only the holder releases it.
// Eight processes racing for one stale lock: test/e2e/lock-race.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { acquireLock, lockOwner, releaseLock, transferLock, processStartTime } from '../../src/foundations/lock.js';

const lockModule = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/foundations/lock.js');

test('a recycled pid is not the owner; a worker adopts its parent\'s lock; only holders release', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sp-lock-'));
  try {
    const file = path.join(dir, 'running.lock');
    // This process is alive, but it is not the process that wrote the lock (another start time).
    fs.writeFileSync(file, JSON.stringify({ pid: process.ppid, start: 'not-its-start-time', host: os.hostname() }));
    assert.equal(lockOwner(file), null);
    assert.equal(acquireLock(file), undefined);
    const owner = JSON.parse(fs.readFileSync(file, 'utf8'));
    assert.deepEqual(owner, { pid: process.pid, start: processStartTime(process.pid), host: os.hostname() });
    assert.equal(acquireLock(file), undefined, 're-acquiring one\'s own lock succeeds');

    // The parent's lock, adopted by a child: the file then names the child.
    const child = spawnSync(process.execPath, ['--input-type=module', '-e',
      `const { transferLock, releaseLock } = await import(${JSON.stringify(lockModule)});
       console.log(transferLock(${JSON.stringify(file)}, process.ppid), JSON.parse((await import('node:fs')).readFileSync(${JSON.stringify(file)}, 'utf8')).pid === process.pid);`],
    { encoding: 'utf8' });
    assert.equal(child.stdout.trim(), 'true true');
    assert.equal(transferLock(file, 12345678), false, 'a lock not held by `from` is not taken');
    releaseLock(file); // names the (dead) child, not us: left alone
    assert.ok(fs.existsSync(file));
    releaseLock(file, [child.pid!]);
    assert.ok(!fs.existsSync(file));
    // A lock held by a live process is reported with its pid.
    const sleeper = spawn('sleep', ['30']);
    try {
      fs.writeFileSync(file, JSON.stringify({ pid: sleeper.pid, start: processStartTime(sleeper.pid!), host: os.hostname() }));
      assert.equal(acquireLock(file)?.pid, sleeper.pid);
    } finally {
      sleeper.kill('SIGKILL');
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
