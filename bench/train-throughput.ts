// ResNet-20 training throughput (images/s, batch 128, random 3×32×32 data, SGD momentum 0.9, weight decay
// 1e-4) through sketchprune's training loop (trainModel), next to the same step in PyTorch
// (bench/reference/train_throughput.py, run by /usr/bin/python3 in this invocation). Both use the same thread
// count; rounds alternate between the two so that load changes on a shared machine hit both.
// Usage: node dist/bench/train-throughput.js [--threads N] [--steps S] [--warmup W] [--rounds R] [--device cpu|cuda]
//          [--batch-size B] [--python PYTHON] [--json FILE]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildInfo, getNumThreads, manualSeed, rand, randint, randn, setNumThreads, tidy, type Device } from '../src/torch/index.js';
import { MaskSet, createModel, prunableParameters } from '../src/nn/index.js';
import { TensorBatches, trainModel } from '../src/train/index.js';

const { values } = parseArgs({
  options: {
    threads: { type: 'string' }, steps: { type: 'string', default: '20' }, warmup: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '2' }, device: { type: 'string', default: 'cpu' }, 'batch-size': { type: 'string', default: '128' },
    python: { type: 'string', default: '/usr/bin/python3' }, json: { type: 'string' },
  },
});
const threads = Number(values.threads ?? getNumThreads());
const steps = Number(values.steps);
const warmup = Number(values.warmup);
const rounds = Number(values.rounds);
const batchSize = Number(values['batch-size']);
const device = values.device as Device;
setNumThreads(threads);
const here = path.dirname(fileURLToPath(import.meta.url));
const referenceScript = path.resolve(here, '..', '..', 'bench', 'reference', 'train_throughput.py');

const median = (samples: number[]): number => {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

interface StepTimes { seconds: number[]; cpuSeconds: number[] }

/** Wall and process-CPU seconds per step of sketchprune's loop after warm-up; `density` < 1 trains with a random mask. */
async function ours(density: number): Promise<StepTimes> {
  manualSeed(0);
  const model = createModel('resnet20', { inputShape: [3, 32, 32], numClasses: 10 });
  if (device !== 'cpu') model.to(device);
  const masks = density < 1 ? new MaskSet(prunableParameters(model).map(([name, p]) => [name, tidy(() => rand(p.shape, { device }).lt(density).float())])) : null;
  const total = steps + warmup;
  const data = tidy(() => new TensorBatches(randn([total * batchSize, 3, 32, 32], { device }), randint(0, 10, [total * batchSize], { device }), { batchSize, seed: 1 }));
  const times: number[] = [];
  const cpuTimes: number[] = [];
  let last = performance.now();
  let lastCpu = process.cpuUsage();
  await trainModel({
    model, masks, trainData: data, epochs: 1, seed: 0, optimizer: { lr: 0.1, momentum: 0.9, weightDecay: 1e-4 },
    onStep: () => {
      const now = performance.now();
      const cpu = process.cpuUsage(lastCpu);
      times.push((now - last) / 1000);
      cpuTimes.push((cpu.user + cpu.system) / 1e6);
      last = now;
      lastCpu = process.cpuUsage();
    },
  });
  data.dispose();
  masks?.dispose();
  model.dispose();
  return { seconds: times.slice(warmup), cpuSeconds: cpuTimes.slice(warmup) };
}

function reference(): StepTimes & { torch: string } {
  const result = spawnSync(values.python!, [referenceScript, '--threads', String(threads), '--steps', String(steps), '--warmup', String(warmup),
    '--batch-size', String(batchSize), '--device', device], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`PyTorch reference failed: ${result.stderr}`);
  const parsed = JSON.parse(result.stdout);
  return { seconds: parsed.seconds, cpuSeconds: parsed.cpu_seconds, torch: parsed.torch };
}

console.log(`ResNet-20 training throughput: batch ${batchSize}, ${steps} timed steps after ${warmup} warm-up, ${rounds} alternating rounds, ` +
  `device ${device}, ${threads} threads; libtorch ${buildInfo().torchVersion}`);
type Row = { wall: number[]; cpu: number[] };
const rows: Record<'dense' | 'masked' | 'pytorch', Row> = { dense: { wall: [], cpu: [] }, masked: { wall: [], cpu: [] }, pytorch: { wall: [], cpu: [] } };
const record = (row: Row, times: StepTimes) => { row.wall.push(median(times.seconds)); row.cpu.push(median(times.cpuSeconds)); };
let torchVersion = '';
for (let round = 0; round < rounds; round++) {
  record(rows.dense, await ours(1));
  const ref = reference();
  torchVersion = ref.torch;
  record(rows.pytorch, ref);
  record(rows.masked, await ours(0.1));
}
// Per round: the median step. Across rounds: the best (least disturbed by other load). Wall-clock images/s is
// what a user sees; images per CPU-second (process CPU time, all threads) is steadier on a shared machine.
const rate = (seconds: number[]) => batchSize / Math.min(...seconds);
const perRound = (seconds: number[]) => seconds.map((s) => (batchSize / s).toFixed(1)).join(', ');
console.log(`reference: PyTorch ${torchVersion}`);
console.log('| name | measure | ours | PyTorch | ratio | ours per round | PyTorch per round |');
console.log('| --- | --- | ---: | ---: | ---: | --- | --- |');
for (const [name, row] of [['resnet20 dense', rows.dense], ['resnet20 masked 10% (vs dense PyTorch)', rows.masked]] as const) {
  for (const [measure, ourSeconds, theirSeconds] of [['img/s (wall)', row.wall, rows.pytorch.wall], ['img per CPU-s', row.cpu, rows.pytorch.cpu]] as const) {
    console.log(`| ${name} | ${measure} | ${rate(ourSeconds).toFixed(1)} | ${rate(theirSeconds).toFixed(1)} | ` +
      `${(rate(ourSeconds) / rate(theirSeconds)).toFixed(2)}× | ${perRound(ourSeconds)} | ${perRound(theirSeconds)} |`);
  }
}
if (values.json) {
  const summary = (row: Row) => ({ imagesPerSecond: rate(row.wall), imagesPerCpuSecond: rate(row.cpu), perRound: row.wall.map((s) => batchSize / s) });
  fs.writeFileSync(values.json, JSON.stringify({
    device, threads, batchSize, steps, warmup, rounds, libtorch: buildInfo().torchVersion, torch: torchVersion,
    dense: summary(rows.dense), masked: summary(rows.masked), pytorch: summary(rows.pytorch),
    ratio: rate(rows.dense.wall) / rate(rows.pytorch.wall), maskedRatio: rate(rows.masked.wall) / rate(rows.pytorch.wall),
  }, null, 1));
}
