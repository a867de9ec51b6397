// Kill anywhere: `train` and `run <grid> --workers 2` are SIGKILLed at 20 seeded points each (timed kills of the
// whole process tree, and kills in the middle of the N-th atomic write: checkpoints, masks, results), rerun until
// they finish, and compared bit-for-bit with an uninterrupted run: final weights, masks, metrics and results.
// No temporary file survives the final run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { cli, runDirs, spawnCli, temporary, tinyExperiment } from './faults-helpers.js';

let state = 0x5eed1234;
const random = (): number => {
  state ^= state << 13; state >>>= 0;
  state ^= state >>> 17;
  state ^= state << 5; state >>>= 0;
  return state / 4294967296;
};

interface Kill { kind: 'timed' | 'write'; at: number }
/**
 * Kill points: half timed (between 15% and 90% of an uninterrupted run's duration), half "in the middle of the
 * N-th atomic write" of a process (checkpoints, masks, configs, results).
 */
function killPoints(count: number, durationMs: number, maxWrite: number): Kill[] {
  return Array.from({ length: count }, (_, i) => i % 2 === 0
    ? { kind: 'timed', at: Math.floor(durationMs * (0.15 + 0.75 * random())) }
    : { kind: 'write', at: 1 + Math.floor(random() * maxWrite) });
}

/** Runs the CLI once with a kill point; resolves when the process tree is gone. */
async function attempt(args: string[], kill: Kill | null): Promise<number | null> {
  const env = { ...process.env, ...(kill?.kind === 'write' ? { SKETCHPRUNE_FAULT_KILL_AT_WRITE: String(kill.at) } : {}) };
  const child = spawn(process.execPath, [cli, ...args], { stdio: 'ignore', env, detached: true });
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let timer: NodeJS.Timeout | undefined;
  if (kill?.kind === 'timed') timer = setTimeout(() => { try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ } }, kill.at);
  const code = await exit;
  clearTimeout(timer);
  // Workers of a killed parent stop on their own; wait until nothing of this process group runs.
  for (let i = 0; i < 600; i++) {
    try { process.kill(-child.pid!, 0); } catch { break; }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return code;
}

function temporaries(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true }).map(String).filter((name) => /\.tmp-\d+-\d+$/.test(name) || name.endsWith('.lock'));
}

function tensorData(file: string): Buffer {
  const bytes = fs.readFileSync(file);
  return bytes.subarray(8 + Number(bytes.readBigUInt64LE(0)));
}

const timing = new Set(['seconds', 'images_per_second', 'cpuSeconds', 'pruneSeconds', 'trainSeconds', 'resumedFromStep']);
const withoutTiming = (value: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(value).filter(([key]) => !timing.has(key)));
const metricLines = (file: string) => fs.readFileSync(file, 'utf8').trim().split('\n').map((line) => withoutTiming(JSON.parse(line)));

const report = { kills: 0, effective: 0, survived: 0, leftovers: 0 };

test('train: 20 kills (timed and mid-write), reruns end bit-identical to an uninterrupted run', async () => {
  const dir = temporary('kill-train');
  try {
    const base = ['train', '--model', 'lenet300', '--dataset', 'fashion-mnist', '--epochs', '30', '--batch-size', '64', '--lr', '0.05',
      '--limit-train', '512', '--limit-test', '200', '--threads', '1', '--progress', 'none', '--checkpoint-every', '3', '--seed', '4'];
    const reference = path.join(dir, 'reference');
    const started = Date.now();
    assert.equal(await attempt([...base, '--out', reference], null), 0);
    const kills = killPoints(20, Date.now() - started, 6);
    let trainEffective = 0;
    for (let trial = 0; trial < 10; trial++) {
      const out = path.join(dir, `trial-${trial}`);
      for (const kill of kills.slice(trial * 2, trial * 2 + 2)) {
        if ((await attempt([...base, '--out', out, '--resume'], kill)) !== 0) { report.effective += 1; trainEffective += 1; }
        report.kills += 1;
      }
      assert.equal(await attempt([...base, '--out', out, '--resume'], null), 0, `trial ${trial} finishes`);
      report.survived += 2;
      assert.ok(tensorData(path.join(out, 'model.safetensors')).equals(tensorData(path.join(reference, 'model.safetensors'))), `trial ${trial}: final weights`);
      assert.ok(fs.readFileSync(path.join(out, 'model.safetensors')).equals(fs.readFileSync(path.join(reference, 'model.safetensors'))), `trial ${trial}: model file bytes`);
      assert.equal(fs.readFileSync(path.join(out, 'result.json'), 'utf8'), fs.readFileSync(path.join(reference, 'result.json'), 'utf8'), `trial ${trial}: result.json`);
      assert.deepEqual(metricLines(path.join(out, 'metrics.jsonl')), metricLines(path.join(reference, 'metrics.jsonl')), `trial ${trial}: metrics`);
      const left = temporaries(out);
      report.leftovers += left.length;
      assert.deepEqual(left, [], `trial ${trial}: no temporary files or locks left`);
    }
    assert.ok(trainEffective >= 12, `most kill points hit the work (${trainEffective} of 20 attempts were killed)`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('run --workers 2: 20 kills of the process tree or mid-write, reruns end bit-identical to an uninterrupted run', async () => {
  const dir = temporary('kill-run');
  try {
    const config = tinyExperiment(dir, 30);
    const args = (out: string) => ['run', config, '--out', out, '--workers', '2', '--threads', '1', '--no-report'];
    const reference = path.join(dir, 'reference');
    const started = Date.now();
    const first = spawnCli(args(reference));
    assert.equal((await first.exit).code, 0, first.output());
    const kills = killPoints(20, Date.now() - started, 8);
    let runEffective = 0;
    for (let trial = 0; trial < 10; trial++) {
      const out = path.join(dir, `trial-${trial}`);
      for (const kill of kills.slice(trial * 2, trial * 2 + 2)) {
        if ((await attempt(args(out), kill)) !== 0) { report.effective += 1; runEffective += 1; }
        report.kills += 1;
      }
      const final = spawnCli(args(out));
      assert.equal((await final.exit).code, 0, final.output());
      report.survived += 2;
      const [ours, theirs] = [runDirs(out), runDirs(reference)];
      assert.deepEqual(ours.map((d) => path.basename(d)), theirs.map((d) => path.basename(d)));
      for (let r = 0; r < ours.length; r++) {
        const read = (d: string) => withoutTiming(JSON.parse(fs.readFileSync(path.join(d, 'result.json'), 'utf8')));
        assert.deepEqual(read(ours[r]), read(theirs[r]), `trial ${trial} ${path.basename(ours[r])}: result.json`);
        for (const file of ['masks.safetensors', 'checkpoints/checkpoint.safetensors']) {
          assert.ok(tensorData(path.join(ours[r], file)).equals(tensorData(path.join(theirs[r], file))), `trial ${trial}: ${file}`);
        }
        assert.deepEqual(metricLines(path.join(ours[r], 'metrics.jsonl')), metricLines(path.join(theirs[r], 'metrics.jsonl')), `trial ${trial}: metrics`);
      }
      const left = temporaries(out);
      report.leftovers += left.length;
      assert.deepEqual(left, [], `trial ${trial}: no temporary files or locks left`);
    }
    assert.ok(runEffective >= 12, `most kill points hit the work (${runEffective} of 20 attempts were killed)`);
    console.log(`kill-anywhere: ${report.kills} kill points, ${report.effective} attempts killed, ${report.survived} kill points survived (rerun finished bit-identical), ${report.leftovers} files left over`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
