// Data-parallel training over c10d/Gloo on 127.0.0.1, with real processes: 2 ranks × batch 64 train like
// 1 process × batch 128; masked weights stay exactly zero on every rank; resume needs the same world size; a rank
// that dies ends the job with an error instead of a hang; and `sketchprune launch -- train` does all of it from
// the command line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSafetensors, type Tensor } from '../../src/torch/index.js';
import { freePort } from '../../src/foundations/net.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const worker = path.join(here, 'distributed-worker.js');
const bin = path.resolve(here, '..', '..', '..', 'bin', 'sketchprune.js');
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'sketchprune-dist-'));
process.on('exit', () => fs.rmSync(scratch, { recursive: true, force: true }));


interface Finished { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; seconds: number }

function finished(child: ChildProcess): Promise<Finished> {
  const started = performance.now();
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => { stdout += chunk; });
  child.stderr?.on('data', (chunk) => { stderr += chunk; });
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr, seconds: (performance.now() - started) / 1000 })));
}

/** Starts `worldSize` workers as ranks of one group (or one plain process for worldSize 1). */
async function startWorkers(worldSize: number, options: Record<string, unknown>, extraEnv: Record<string, string> = {}): Promise<ChildProcess[]> {
  const port = await freePort();
  return Array.from({ length: worldSize }, (_, rank) => {
    const env: NodeJS.ProcessEnv = { ...process.env, ...extraEnv };
    if (worldSize > 1) Object.assign(env, { MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port), RANK: String(rank), WORLD_SIZE: String(worldSize), LOCAL_RANK: String(rank) });
    else for (const name of ['MASTER_ADDR', 'MASTER_PORT', 'RANK', 'WORLD_SIZE', 'LOCAL_RANK']) delete env[name];
    return spawn(process.execPath, [worker, JSON.stringify(options)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  });
}

async function runWorkers(worldSize: number, options: Record<string, unknown>): Promise<Finished[]> {
  const outcomes = await Promise.all((await startWorkers(worldSize, options)).map(finished));
  outcomes.forEach((outcome, rank) => assert.equal(outcome.code, 0, `rank ${rank} failed:\n${outcomes.map((o, r) => `[${r}] ${o.stderr}`).join('\n')}`));
  return outcomes;
}

function loadRank(dir: string, rank: number): { tensors: Record<string, Tensor>; result: { globalStep: number; stopped: string; train: { loss: number; top1: number } } } {
  const { tensors, metadata } = loadSafetensors(path.join(dir, `rank${rank}.safetensors`));
  return { tensors, result: JSON.parse(metadata.result) };
}

/** max |a - b| / max |b| over each tensor, the worst tensor. */
function relativeDifference(a: Record<string, Tensor>, b: Record<string, Tensor>, prefix = ''): number {
  let worst = 0;
  for (const name of Object.keys(b).filter((key) => key.startsWith(prefix))) {
    const x = a[name].toArray();
    const y = b[name].toArray();
    let difference = 0;
    let scale = 0;
    for (let i = 0; i < y.length; i++) { difference = Math.max(difference, Math.abs(x[i] - y[i])); scale = Math.max(scale, Math.abs(y[i])); }
    worst = Math.max(worst, scale === 0 ? difference : difference / scale);
  }
  return worst;
}

function bytesEqual(a: Tensor, b: Tensor): boolean { return Buffer.from(a.data().buffer as ArrayBuffer).equals(Buffer.from(b.data().buffer as ArrayBuffer)); }

// 2523 examples = 19 batches of 128 and a short one of 91 (46 + 45 examples on the two ranks): 20 steps.
const recipe = { examples: 2523, epochs: 1 };

test('2 ranks × batch 64 reach the weights of 1 process × batch 128 after 20 steps; masked weights stay zero on every rank', async () => {
  const single = path.join(scratch, 'single');
  const pair = path.join(scratch, 'pair');
  await runWorkers(1, { ...recipe, out: single, batchSize: 128 });
  await runWorkers(2, { ...recipe, out: pair, batchSize: 64 });
  const alone = loadRank(single, 0);
  const rank0 = loadRank(pair, 0);
  const rank1 = loadRank(pair, 1);
  assert.equal(alone.result.globalStep, 20);
  assert.equal(rank0.result.globalStep, 20);
  // The ranks start from different seeds; after the broadcast and identical reduced steps they are bit-identical.
  for (const name of Object.keys(rank0.tensors)) assert.ok(bytesEqual(rank0.tensors[name], rank1.tensors[name]), `${name} differs between ranks`);
  const difference = relativeDifference(rank0.tensors, alone.tensors);
  assert.ok(difference <= 1e-5, `relative difference ${difference} to the single process`);
  // The masks were drawn per rank, then rank 0's broadcast: every rank's pruned weights are exactly zero there.
  let pruned = 0;
  for (const rank of [rank0, rank1]) {
    for (const [key, mask] of Object.entries(rank.tensors).filter(([key]) => key.startsWith('mask/'))) {
      assert.ok(bytesEqual(mask, rank0.tensors[key]), `${key}: masks differ between ranks`);
      const weights = rank.tensors[key.slice('mask/'.length)].toArray();
      const keep = mask.toArray();
      keep.forEach((kept, i) => { if (kept === 0) { pruned++; assert.equal(weights[i], 0, `${key}[${i}] moved off zero`); } });
      assert.ok(weights.some((w, i) => keep[i] !== 0 && w !== 0), `${key}: kept weights are all zero`);
    }
  }
  assert.ok(pruned > 1000, `only ${pruned} pruned weights checked`);
  // The metrics are reduced over the ranks: the epoch's training loss is the single process's.
  assert.ok(Math.abs(rank0.result.train.loss - alone.result.train.loss) <= 1e-5 * Math.abs(alone.result.train.loss));
  assert.equal(rank0.result.train.top1, alone.result.train.top1);
  assert.deepEqual(rank1.result.train, rank0.result.train);
});

test('without the reduction the ranks would differ: each rank alone on its half of the batches drifts from the single process', async () => {
  // Guards the test above: rank parts of batch 64 trained without the group are far from the 128 run.
  const single = path.join(scratch, 'single-b');
  const half = path.join(scratch, 'half');
  await runWorkers(1, { ...recipe, out: single, batchSize: 128 });
  await runWorkers(1, { ...recipe, out: half, batchSize: 64 });
  assert.ok(relativeDifference(loadRank(half, 0).tensors, loadRank(single, 0).tensors) > 1e-3);
});

test('batch norm: running statistics are averaged every step, identical on both ranks', async () => {
  const pair = path.join(scratch, 'bn');
  await runWorkers(2, { ...recipe, out: pair, batchSize: 64, batchNorm: true });
  const rank0 = loadRank(pair, 0).tensors;
  const rank1 = loadRank(pair, 1).tensors;
  for (const name of Object.keys(rank0)) assert.ok(bytesEqual(rank0[name], rank1[name]), `${name} differs between ranks`);
  assert.ok(rank0['1.running_mean'].abs().max().item() > 0, 'running mean never updated');
});

test('resume with the same world size continues bit-exactly; another world size is refused', async () => {
  const straight = path.join(scratch, 'straight');
  const stopped = path.join(scratch, 'stopped');
  const checkpointDir = path.join(scratch, 'ckpt');
  const straightDir = path.join(scratch, 'ckpt-straight');
  const recipe2 = { examples: 1280, epochs: 2, batchSize: 64 }; // 10 steps per epoch
  await runWorkers(2, { ...recipe2, out: straight, checkpointDir: straightDir });
  await runWorkers(2, { ...recipe2, out: stopped, checkpointDir, maxSteps: 13 });
  assert.equal(loadRank(stopped, 0).result.stopped, 'maxSteps');
  assert.ok(fs.existsSync(path.join(checkpointDir, 'checkpoint.safetensors')));
  assert.ok(fs.existsSync(path.join(straightDir, 'metrics.jsonl')));

  const otherSize = await Promise.all((await startWorkers(1, { ...recipe2, out: path.join(scratch, 'x'), checkpointDir, resume: true })).map(finished));
  assert.notEqual(otherSize[0].code, 0);
  assert.match(otherSize[0].stderr, /cannot resume .*worldSize: checkpoint 2, now undefined/);

  await runWorkers(2, { ...recipe2, out: stopped, checkpointDir, resume: true });
  const resumed = loadRank(stopped, 0);
  const uninterrupted = loadRank(straight, 0);
  assert.equal(resumed.result.globalStep, 20);
  for (const name of Object.keys(uninterrupted.tensors)) {
    assert.ok(bytesEqual(resumed.tensors[name], uninterrupted.tensors[name]), `${name}: resumed run differs from the uninterrupted one`);
  }
});

test('a rank that dies ends the other with a clear error, not a hang', async () => {
  const children = await startWorkers(2, { examples: 1280, epochs: 50, batchSize: 64, out: path.join(scratch, 'dies'), stepDelayMs: 20 },
    { SKETCHPRUNE_DIST_TIMEOUT: '30' });
  const outcomes = children.map(finished);
  // Kill rank 1 once it has trained a few steps.
  await new Promise<void>((resolve) => {
    let seen = '';
    children[1].stdout!.on('data', (chunk) => { seen += chunk; if (/step 3\b/.test(seen)) resolve(); });
  });
  children[1].kill('SIGKILL');
  const [rank0, rank1] = await Promise.all(outcomes);
  assert.equal(rank1.signal, 'SIGKILL');
  assert.equal(rank0.code, 1, `rank 0 should fail, got ${rank0.code}: ${rank0.stderr}`);
  assert.match(rank0.stderr, /rank 0 of 2: gradient all-reduce failed/);
  assert.ok(rank0.seconds < 30, `rank 0 took ${rank0.seconds} s to notice`);
});

test('a rank that stops answering makes the other fail after the timeout', async () => {
  const children = await startWorkers(2, { examples: 1280, epochs: 5, batchSize: 64, out: path.join(scratch, 'stalls'), stallRank: 1, stallMs: 9_000 },
    { SKETCHPRUNE_DIST_TIMEOUT: '2' });
  const [rank0] = await Promise.all(children.map(finished));
  assert.equal(rank0.code, 1, rank0.stderr);
  assert.match(rank0.stderr, /rank 0 of 2: gradient all-reduce failed .*(Timed out waiting 2000ms|timeout)/i);
  assert.ok(rank0.seconds < 8, `rank 0 took ${rank0.seconds} s (the stalled rank would have answered after 9 s)`);
});

test('sketchprune launch -- train: 2 ranks × 64 equal train --batch-size 128; rank 0 alone writes; a killed rank fails the launch', async () => {
  const common = ['--model', 'lenet300', '--dataset', 'fashion-mnist', '--epochs', '1', '--lr', '0.1', '--limit-train', '2560', '--limit-test', '300', '--progress', 'none'];
  const one = path.join(scratch, 'cli-one');
  const two = path.join(scratch, 'cli-two');
  const single = spawnSync(process.execPath, [bin, 'train', ...common, '--batch-size', '128', '--out', one], { encoding: 'utf8' });
  assert.equal(single.status, 0, single.stderr);
  const launched = spawnSync(process.execPath, [bin, 'launch', '--nproc-per-node', '2', '--', 'train', ...common, '--batch-size', '64', '--out', two], { encoding: 'utf8' });
  assert.equal(launched.status, 0, launched.stderr);
  assert.match(launched.stderr, /2 data-parallel ranks × batch 64/);
  assert.equal((launched.stdout.match(/^finished 1 epochs \(20 steps\)/gm) ?? []).length, 1, launched.stdout); // rank 0 reports once
  const a = loadSafetensors(path.join(two, 'model.safetensors')).tensors;
  const b = loadSafetensors(path.join(one, 'model.safetensors')).tensors;
  const difference = relativeDifference(a, b);
  assert.ok(difference <= 1e-5, `launch vs single process: relative difference ${difference}`);
  const metrics = fs.readFileSync(path.join(two, 'metrics.jsonl'), 'utf8').trim().split('\n');
  assert.equal(metrics.length, 1, 'one epoch line, written once');
  assert.equal(JSON.parse(fs.readFileSync(path.join(two, 'config.json'), 'utf8')).worldSize, 2);

  // Kill rank 1 of a long launch: the launcher reports it and fails.
  const long = spawn(process.execPath, [bin, 'launch', '--nproc-per-node', '2', '--timeout', '30', '--', 'train', ...common.map((arg) => (arg === '1' ? '200' : arg)),
    '--batch-size', '64', '--out', path.join(scratch, 'cli-killed')], { stdio: ['ignore', 'pipe', 'pipe'] });
  const outcome = finished(long);
  let rank1Pid: number | null = null;
  for (let tries = 0; tries < 600 && rank1Pid === null; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const listed = spawnSync('ps', ['-o', 'pid=', '--ppid', String(long.pid)], { encoding: 'utf8' }).stdout.trim().split(/\s+/).filter(Boolean).map(Number);
    for (const pid of listed) {
      try {
        if (fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes('RANK=1') &&
            fs.existsSync(path.join(scratch, 'cli-killed', 'checkpoint.safetensors'))) rank1Pid = pid;
      } catch { /* exited meanwhile */ }
    }
  }
  assert.ok(rank1Pid !== null, 'rank 1 never started training');
  process.kill(rank1Pid, 'SIGKILL');
  const ended = await outcome;
  assert.equal(ended.code, 1, ended.stderr);
  assert.match(ended.stderr, /rank 1 was killed by SIGKILL/);
  assert.ok(ended.seconds < 120);
});

test('sketchprune launch -- run: each run trains data-parallel with the results of a single process; rank 0 alone writes', async () => {
  const config = path.join(scratch, 'tiny.json');
  fs.writeFileSync(config, JSON.stringify({
    name: 'tiny', title: 'Tiny data-parallel',
    base: {
      model: 'fc', modelOptions: { widths: [32] }, dataset: 'synthetic', data: { trainSubset: 512, testSubset: 256 },
      train: { epochs: 2, batchSize: 64, maxStepsPerEpoch: 4, milestones: [1], lr: 0.05 },
    },
    grid: { pruning: [{ method: 'magnitude' }, { method: 'snip' }], density: [0.2], seed: [0] },
  }));
  const alone = path.join(scratch, 'run-alone');
  const launched = path.join(scratch, 'run-launched');
  const single = spawnSync(process.execPath, [bin, 'run', config, '--out', alone, '--no-report'], { encoding: 'utf8' });
  assert.equal(single.status, 0, single.stderr + single.stdout);
  const both = spawnSync(process.execPath, [bin, 'launch', '--nproc-per-node', '2', '--', 'run', config, '--out', launched, '--no-report'], { encoding: 'utf8' });
  assert.equal(both.status, 0, both.stderr + both.stdout);
  assert.equal((both.stdout.match(/^runs: 2 done/gm) ?? []).length, 1, both.stdout); // rank 0 reports once
  const runs = fs.readdirSync(alone).filter((name) => fs.existsSync(path.join(alone, name, 'result.json')));
  assert.equal(runs.length, 2);
  for (const run of runs) {
    const a = JSON.parse(fs.readFileSync(path.join(alone, run, 'result.json'), 'utf8'));
    const b = JSON.parse(fs.readFileSync(path.join(launched, run, 'result.json'), 'utf8'));
    assert.equal(b.testAccuracy, a.testAccuracy, run);
    assert.ok(Math.abs(b.testLoss - a.testLoss) <= 1e-5 * a.testLoss, `${run}: test loss ${b.testLoss} vs ${a.testLoss}`);
    assert.ok(Math.abs(b.trainLoss - a.trainLoss) <= 1e-5 * a.trainLoss, `${run}: train loss ${b.trainLoss} vs ${a.trainLoss}`);
    const masksA = loadSafetensors(path.join(alone, run, 'masks.safetensors')).tensors;
    const masksB = loadSafetensors(path.join(launched, run, 'masks.safetensors')).tensors;
    for (const name of Object.keys(masksA)) assert.ok(bytesEqual(masksA[name], masksB[name]), `${run}: mask ${name}`);
    assert.equal(fs.readFileSync(path.join(launched, run, 'metrics.jsonl'), 'utf8').trim().split('\n').length, 2, 'two epoch lines, written once');
  }
  // Launched again, both ranks skip the finished runs alike.
  const again = spawnSync(process.execPath, [bin, 'launch', '--nproc-per-node', '2', '--', 'run', config, '--out', launched, '--no-report'], { encoding: 'utf8' });
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, /runs: 0 done, 2 skipped/);
});
