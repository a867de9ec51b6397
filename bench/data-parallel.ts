// Data-parallel training speed: steps/s of one process with batch B×N against N processes (c10d/Gloo over
// 127.0.0.1) with batch B each, i.e. the same global batch and the same weights after every step, through
// trainModel. Each process gets cores/N torch threads. Random data; LeNet-300 (784-300-100-10) and ResNet-20.
// Usage: node dist/bench/data-parallel.js [--ranks N (default 2)] [--batch-size B (per rank, default 64)]
//          [--steps S (timed, default 20)] [--warmup W (default 3)] [--rounds R (default 3)] [--models lenet300,resnet20]
// Rounds alternate between the two sides; the table shows each side's best round (wall clock) and the CPU time per
// step summed over all processes (median round), which load from other jobs disturbs far less.
// The same file is the worker (run with --worker JSON).
import { spawn } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { manualSeed, randint, randn, setNumThreads, tidy } from '../src/torch/index.js';
import { createModel } from '../src/nn/index.js';
import { TensorBatches, trainModel } from '../src/train/index.js';
import { processGroup } from '../src/distributed/index.js';
import { freePort } from '../src/foundations/net.js';

interface WorkerSpec { model: string; globalBatch: number; steps: number; warmup: number; threads: number }

const shapes: Record<string, [number, number, number]> = { lenet300: [1, 28, 28], resnet20: [3, 32, 32] };

async function worker(spec: WorkerSpec): Promise<void> {
  setNumThreads(spec.threads);
  const group = processGroup();
  const totalSteps = spec.steps + spec.warmup;
  const shape = shapes[spec.model];
  const data = tidy(() => {
    manualSeed(1);
    const examples = spec.globalBatch * totalSteps;
    return new TensorBatches(randn([examples, ...shape]), randint(0, 10, [examples]), { batchSize: spec.globalBatch, seed: 2 });
  });
  manualSeed(3);
  const model = createModel(spec.model, { inputShape: shape, numClasses: 10 });
  const stamps: number[] = [];
  const cpu: number[] = [];
  await trainModel({
    model, trainData: data, epochs: 1, seed: 4, optimizer: { lr: 0.01, momentum: 0.9, weightDecay: 1e-4 }, distributed: group,
    onStep: () => { stamps.push(performance.now()); const usage = process.cpuUsage(); cpu.push((usage.user + usage.system) / 1e6); },
  });
  const seconds = (stamps[totalSteps - 1] - stamps[spec.warmup - 1]) / 1000;
  const cpuSeconds = cpu[totalSteps - 1] - cpu[spec.warmup - 1];
  process.stdout.write(JSON.stringify({ stepsPerSecond: spec.steps / seconds, cpuSecondsPerStep: cpuSeconds / spec.steps }) + '\n');
  group?.destroy();
}


/** Runs `ranks` workers: rank 0's steps/s and the CPU seconds per step of all ranks together. */
async function measure(spec: Omit<WorkerSpec, 'threads'>, ranks: number): Promise<{ stepsPerSecond: number; cpuSecondsPerStep: number }> {
  const port = await freePort();
  const threads = Math.max(1, Math.floor(os.availableParallelism() / ranks));
  const self = fileURLToPath(import.meta.url);
  const outputs = await Promise.all(Array.from({ length: ranks }, (_, rank) => new Promise<string>((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const name of ['MASTER_ADDR', 'MASTER_PORT', 'RANK', 'WORLD_SIZE']) delete env[name];
    if (ranks > 1) Object.assign(env, { MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port), RANK: String(rank), WORLD_SIZE: String(ranks) });
    const child = spawn(process.execPath, [self, '--worker', JSON.stringify({ ...spec, threads })], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (chunk) => { stdout += chunk; });
    child.on('exit', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`rank ${rank} exited with ${code}`))));
  })));
  const results = outputs.map((output) => JSON.parse(output.trim()) as { stepsPerSecond: number; cpuSecondsPerStep: number });
  return { stepsPerSecond: results[0].stepsPerSecond, cpuSecondsPerStep: results.reduce((sum, r) => sum + r.cpuSecondsPerStep, 0) };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      worker: { type: 'string' }, ranks: { type: 'string', default: '2' }, 'batch-size': { type: 'string', default: '64' },
      steps: { type: 'string', default: '20' }, warmup: { type: 'string', default: '3' }, rounds: { type: 'string', default: '3' }, models: { type: 'string', default: 'lenet300,resnet20' },
    },
  });
  if (values.worker) return worker(JSON.parse(values.worker));
  const ranks = Number(values.ranks);
  const perRank = Number(values['batch-size']);
  const steps = Number(values.steps);
  const warmup = Number(values.warmup);
  const rounds = Number(values.rounds);
  console.log(`data-parallel training, global batch ${perRank * ranks}: 1 process × ${perRank * ranks} vs ${ranks} processes × ${perRank} ` +
    `(Gloo over 127.0.0.1), ${steps} timed steps after ${warmup}, best of ${rounds} alternating rounds, ${os.availableParallelism()} cores split evenly`);
  console.log(`| model | 1 process (steps/s) | ${ranks} ranks (steps/s) | speed-up | CPU s/step, 1 process | CPU s/step, ${ranks} ranks |`);
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1];
  for (const model of values.models!.split(',')) {
    if (!(model in shapes)) throw new Error(`--models: ${model} is not one of ${Object.keys(shapes).join(', ')}`);
    const spec = { model, globalBatch: perRank * ranks, steps, warmup };
    const single: { stepsPerSecond: number; cpuSecondsPerStep: number }[] = [];
    const parallel: typeof single = [];
    for (let round = 0; round < rounds; round++) {
      single.push(await measure(spec, 1));
      parallel.push(await measure(spec, ranks));
    }
    const best = (list: typeof single) => Math.max(...list.map((r) => r.stepsPerSecond));
    const cpuPerStep = (list: typeof single) => median(list.map((r) => r.cpuSecondsPerStep));
    console.log(`| ${model} | ${best(single).toFixed(2)} | ${best(parallel).toFixed(2)} | ${(best(parallel) / best(single)).toFixed(2)}× | ` +
      `${cpuPerStep(single).toFixed(4)} | ${cpuPerStep(parallel).toFixed(4)} |`);
  }
}

main().catch((error) => {
  console.error(`data-parallel bench: ${(error as Error).message}`);
  process.exit(1);
});
