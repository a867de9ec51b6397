// Run locks: one winner among processes racing for a stale lock, recycled pids are not owners, a worker adopts
// its parent's lock, and only the holder releases it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { acquireLock, lockOwner, releaseLock, transferLock, processStartTime } from '../../src/foundations/lock.js';

const lockModule = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/foundations/lock.js');

function deadPid(): number {
  return Number(spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' }).stdout.trim());
}

test('8 processes racing for one stale lock: exactly one wins, every time (5 rounds)', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sp-lock-'));
  try {
    for (let round = 0; round < 5; round++) {
      const file = path.join(dir, `running-${round}.lock`);
      fs.writeFileSync(file, String(deadPid())); // stale: its process is gone
      const startAt = Date.now() + 1500;
      const script = `const { acquireLock } = await import(${JSON.stringify(lockModule)});
        while (Date.now() < ${startAt}) {}
        const owner = acquireLock(${JSON.stringify(file)});
        console.log(owner === undefined ? 'won' : 'lost ' + owner.pid);
        await new Promise((r) => setTimeout(r, 1500));`;
      const children = Array.from({ length: 8 }, () => spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] }));
      const outputs = await Promise.all(children.map((child) => new Promise<string>((resolve) => {
        let text = '';
        child.stdout!.on('data', (chunk) => { text += chunk; });
        child.on('exit', () => resolve(text.trim()));
      })));
      const winners = outputs.filter((line) => line === 'won');
      assert.equal(winners.length, 1, `round ${round}: ${JSON.stringify(outputs)}`);
      const winnerPid = children[outputs.indexOf('won')]!.pid;
      for (const line of outputs.filter((l) => l !== 'won')) assert.equal(line, `lost ${winnerPid}`, `losers name the winner (round ${round})`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

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
