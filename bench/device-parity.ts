// CUDA results equal CPU results, within tolerance, through the library's own paths (run by
// scripts/device-check.sh on a GPU machine): each scorer's scores and masks from the same initial weights and
// scoring batch; training steps (loss trajectory, final weights) from a CPU data source staged in pinned memory
// and prefetched; and a whole experiment run (prune → train → evaluate through the executor) on both devices.
// Prints a Markdown table and writes JSON rows {check, value, tolerance, pass}.
// Usage: node dist/bench/device-parity.js [--device cuda] [--json FILE]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  buildInfo, checkDevice, keep, manualSeed, parseDevice, randint, randn, tidy, type Device, type Tensor,
} from '../src/torch/index.js';
import { createModel } from '../src/nn/index.js';
import { prune } from '../src/pruning/index.js';
import { PrefetchingBatches, TensorBatches, trainModel } from '../src/train/index.js';
import { buildExperiment, runExperiment } from '../src/experiments/index.js';

const { values } = parseArgs({ options: { device: { type: 'string', default: 'cuda' }, json: { type: 'string' } } });
const device = parseDevice(values.device!, '--device');
checkDevice(device, '--device');
const info = buildInfo();
console.log(`libtorch ${info.torchVersion}, CUDA devices: ${info.cudaDeviceCount}; comparing ${device} with cpu`);

interface Row { check: string; value: number; tolerance: number; pass: boolean; note: string }
const rows: Row[] = [];
function record(check: string, value: number, tolerance: number, note = '', higherIsBetter = false): void {
  const pass = Number.isFinite(value) && (higherIsBetter ? value >= tolerance : value <= tolerance);
  rows.push({ check, value, tolerance, pass, note });
  console.log(`${pass ? 'PASS' : 'FAIL'} ${check}: ${value.toPrecision(4)} (${higherIsBetter ? '≥' : '≤'} ${tolerance})${note ? `  ${note}` : ''}`);
}
/** max |a - b| / max |b| over the whole set of tensors. */
function relDiff(a: Tensor[], b: Tensor[]): number {
  return tidy(() => {
    let num = 0, den = 1e-30;
    a.forEach((x, i) => {
      const y = b[i].to('cpu').to('float64');
      num = Math.max(num, x.to('cpu').to('float64').sub(y).abs().max().item());
      den = Math.max(den, y.abs().max().item());
    });
    return num / den;
  });
}

async function step(name: string, fn: () => Promise<void> | void): Promise<void> {
  try { await fn(); } catch (error) {
    rows.push({ check: name, value: Number.NaN, tolerance: 0, pass: false, note: `error: ${(error as Error).message.split('\n')[0]}` });
    console.log(`FAIL ${name}: ${(error as Error).stack}`);
  }
}

// ---- scorers: first-iteration scores and final masks, ResNet-20 on CIFAR-shaped inputs ----
manualSeed(0);
const batch = { inputs: keep(randn([64, 3, 32, 32])), labels: keep(randint(0, 10, [64])) };
// SynFlow twice: its float64 path must agree to rounding; its default scaled-float32 path is held to the float32
// scorers' tolerances (CPU and GPU round float32 sums in different orders, and iterating amplifies near-ties).
const cases = [['synflow', 20, 'float64'], ['synflow', 20, 'float32'], ['snip', 1, null], ['grasp', 1, null], ['ntk-sketch', 1, null],
  ['random', 1, null], ['magnitude', 1, null]] as const;
for (const [method, iterations, precision] of cases) {
  const label = precision ? `${method} (${precision})` : method;
  const exact = method === 'synflow' && precision === 'float64';
  const precisionOption = precision ? { precision } : {};
  await step(`prune ${label}`, async () => {
    const on = async (target: Device) => {
      manualSeed(1);
      const model = createModel('resnet20', { inputShape: [3, 32, 32], numClasses: 10 });
      if (target !== 'cpu') model.to(target);
      // NTK sketch takes per-example gradients: 8 examples keep its CPU side short
      const examples = method === 'ntk-sketch' ? 8 : 64;
      const source = { next: () => ({ inputs: batch.inputs.narrow(0, 0, examples).to(target), labels: batch.labels.narrow(0, 0, examples).to(target) }) };
      const needsData = method === 'snip' || method === 'grasp' || method === 'ntk-sketch';
      const first = await prune(model, { method, density: 0.1, iterations: 1, seed: 3, keepScores: true, ...precisionOption, ...(needsData ? { input: { source, batchSize: examples } } : {}) });
      const final = iterations === 1 ? first : await prune(model, { method, density: 0.1, iterations, seed: 3, ...precisionOption, ...(needsData ? { input: { source } } : {}) });
      model.dispose();
      return { scores: [...first.scores!.values()], masks: final.masks.entries().map(([, m]) => m), kept: final.record.kept, dispose: () => { first.masks.dispose(); if (final !== first) final.masks.dispose(); } };
    };
    const cpu = await on('cpu');
    const gpu = await on(device);
    // float64 scorers (SynFlow's float64 path) agree to rounding; float32 ones less: cuDNN convolutions use TF32 on
    // Ampere and later by default (libtorch's allowTF32CuDNN), about 1e-3 relative, which moves weights near the threshold.
    const scoreTolerance = exact ? 1e-6 : method === 'random' || method === 'magnitude' ? 1e-12 : 2e-2;
    if (method !== 'random') record(`${label}: scores rel. diff (iteration 1)`, relDiff(gpu.scores, cpu.scores), scoreTolerance);
    const agree = tidy(() => cpu.masks.reduce((sum, m, i) => sum + m.ne(0).logicalAnd(gpu.masks[i].to('cpu').ne(0)).sum().item(), 0)) / Math.max(1, cpu.kept);
    record(`${label}: mask overlap after ${iterations} iteration(s)`, agree, method === 'random' ? 0 : exact || method === 'magnitude' ? 0.999 : 0.95,
      `kept cpu ${cpu.kept}, ${device} ${gpu.kept}`, true);
    record(`${label}: kept count equal`, Math.abs(cpu.kept - gpu.kept), 0);
    for (const s of [...cpu.scores, ...gpu.scores]) s.dispose();
    cpu.dispose();
    gpu.dispose();
  });
}

// ---- training: a CPU data source staged in pinned memory and prefetched, vs the same steps on the CPU ----
await step('train', async () => {
  const data = tidy(() => new TensorBatches(randn([640, 3, 32, 32]), randint(0, 10, [640]), { batchSize: 64, seed: 4 }));
  const run = async (target: Device, prefetch: boolean) => {
    manualSeed(2);
    const model = createModel('resnet20', { inputShape: [3, 32, 32], numClasses: 10 });
    if (target !== 'cpu') model.to(target);
    const source = prefetch ? new PrefetchingBatches(data, { device: target, pin: true }) : data;
    const losses: number[] = [];
    await trainModel({ model, trainData: source, epochs: 2, seed: 0, optimizer: { lr: 0.02, momentum: 0.9, weightDecay: 1e-4 }, onStep: (s) => losses.push(s.loss) });
    const weights = model.parameters().map((p) => keep(p.detach().to('cpu')));
    const staged = source instanceof PrefetchingBatches ? { pinned: source.pinned, hits: source.hits, error: source.pinError } : null;
    if (source instanceof PrefetchingBatches) source.dispose();
    model.dispose();
    return { losses, weights, staged };
  };
  const cpu = await run('cpu', false);
  const gpu = await run(device, true);
  record('train: batches staged in pinned memory', gpu.staged?.pinned ? 1 : 0, 1, (gpu.staged?.error ?? '').slice(0, 100), true);
  record('train: batches served from the prefetch', gpu.staged!.hits, cpu.losses.length - 1, `of ${cpu.losses.length} steps`, true);
  record('train: first-step loss rel. diff', Math.abs(gpu.losses[0] - cpu.losses[0]) / cpu.losses[0], 1e-3);
  const lossDiff = Math.max(...cpu.losses.map((l, i) => Math.abs(gpu.losses[i] - l) / l));
  record(`train: loss rel. diff over ${cpu.losses.length} steps`, lossDiff, 5e-2, `cpu ${cpu.losses.at(-1)!.toFixed(4)}, ${device} ${gpu.losses.at(-1)!.toFixed(4)}`);
  record('train: final weights rel. diff', relDiff(gpu.weights, cpu.weights), 5e-2);
  for (const t of [...cpu.weights, ...gpu.weights]) t.dispose();
  data.dispose();
});

// ---- the executor: experiment runs (SynFlow or IMP → train → evaluate, with figure data) on each device ----
for (const pruning of [{ method: 'synflow', iterations: 10 }, { method: 'imp', iterations: 2, impEpochsPerLevel: 1 }]) {
  await step(`experiment ${pruning.method}`, async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'sketchprune-parity-'));
    const base = {
      model: 'conv2', dataset: 'synthetic', data: { trainSubset: 1024, testSubset: 512 }, density: 0.2, seed: 1, pruning,
      train: { epochs: 2, batchSize: 64, maxStepsPerEpoch: 8, milestones: [1], lr: 0.05 },
      analysis: { weightHistogram: true, maskNorms: true },
    };
    // one experiment per device, each in its own directory (so --device cpu, a dry run without a GPU, runs twice)
    const results: any[] = [], configs: any[] = [], outcomes: { status: string }[] = [];
    for (const target of ['cpu', device]) {
      const experiment = buildExperiment({ name: 'parity', base: { ...base, device: target } }, 'inline');
      const dir = path.join(out, `${target}-${configs.length}`);
      outcomes.push(...await runExperiment(experiment, { out: dir }));
      const runDir = path.join(dir, experiment.runs[0]!.dirName);
      results.push(JSON.parse(fs.readFileSync(path.join(runDir, 'result.json'), 'utf8')));
      configs.push(JSON.parse(fs.readFileSync(path.join(runDir, 'config.json'), 'utf8')));
    }
    const m = pruning.method;
    record(`experiment ${m}: runs finished`, outcomes.filter((o) => o.status === 'finished').length, 2, '', true);
    record(`experiment ${m}: config.json device`, configs[1].device === device ? 1 : 0, 1, configs.map((c) => c.device).join(' / '), true);
    record(`experiment ${m}: measured density diff`, Math.abs(results[0].measuredDensity - results[1].measuredDensity), 1e-3);
    record(`experiment ${m}: test loss rel. diff`, Math.abs(results[0].testLoss - results[1].testLoss) / results[0].testLoss, 5e-2,
      `cpu ${results[0].testLoss.toFixed(4)} / ${(100 * results[0].testAccuracy).toFixed(1)}%, ${device} ${results[1].testLoss.toFixed(4)} / ${(100 * results[1].testAccuracy).toFixed(1)}%`);
    fs.rmSync(out, { recursive: true, force: true });
  });
}

console.log('\n| check | value | tolerance | pass | note |\n| --- | ---: | ---: | --- | --- |');
for (const row of rows) console.log(`| ${row.check} | ${row.value.toPrecision(4)} | ${row.tolerance} | ${row.pass ? 'yes' : '**NO**'} | ${row.note} |`);
const failed = rows.filter((row) => !row.pass).length;
console.log(`\n${rows.length - failed} of ${rows.length} checks pass`);
if (values.json) fs.writeFileSync(values.json, JSON.stringify({ device, libtorch: info.torchVersion, rows }, null, 1));
process.exitCode = failed > 0 ? 1 : 0;
