// Run locks under contention: 8 processes race for one stale lock, 5 rounds; exactly one wins each round and
// the losers name the winner. (The single-process lock rules are test/foundations/lock.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

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
