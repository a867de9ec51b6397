// weightedSampleMasks alone (sketch-random's draw) against thresholdSelect (threshold's global top-k) on a model's
// prunable weights (VGG-19 by default, 20 M), float32 scores as in bench/selection.ts (|N(0, 1)| times a per-layer
// power of two), a fraction of each layer in the support (--support, default 0.5), 10% kept. Interleaved in one process, process CPU time
// per call, medians; SKETCHPRUNE_ADDON=/path/to/old.node runs another build of the kernel.
// Usage: node dist/bench/sampling-kernel.js [--model vgg19] [--threads 1] [--reps 15] [--support 0.5]
import { parseArgs } from 'node:util';
import { keep, manualSeed, rand, randn, setNumThreads, tidy, weightedSampleMasks } from '../src/torch/index.js';
import { createModel } from '../src/nn/index.js';
import { thresholdSelect } from '../src/pruning/selection/threshold.js';
import { collectPrunable } from '../src/pruning/working-weights.js';

const { values } = parseArgs({
  options: { model: { type: 'string', default: 'vgg19' }, threads: { type: 'string', default: '1' }, reps: { type: 'string', default: '15' },
    support: { type: 'string', default: '0.5' } },
});
setNumThreads(Number(values.threads));
manualSeed(0);
const model = createModel(values.model!, { inputShape: [3, 32, 32], numClasses: 10 });
const parameters = collectPrunable(model);
const names = parameters.map(({ name }) => name);
const support = parameters.map(({ tensor }) => keep(rand(tensor.shape).lt(Number(values.support))));
const scores = parameters.map(({ tensor }, index) =>
  keep(tidy(() => randn(tensor.shape).abs_().mul_(2 ** ((index * 7) % 17 - 8)).mul_(support[index]))));
const counts = support.map((mask) => Math.floor(tidy(() => mask.sum().item()) * 0.2));
const kept = counts.reduce((a, b) => a + b, 0);
const cpuMs = (): number => { const { user, system } = process.cpuUsage(); return (user + system) / 1000; };
const median = (samples: number[]): number => [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)];
const times = { sample: [] as number[], threshold: [] as number[], sampleWall: [] as number[], thresholdWall: [] as number[] };
for (let rep = 0; rep < Number(values.reps); rep++) {
  let start = performance.now();
  let cpu = cpuMs();
  const masks = weightedSampleMasks(scores, support, counts, rep);
  times.sample.push(cpuMs() - cpu);
  times.sampleWall.push(performance.now() - start);
  for (const mask of masks) mask.dispose();
  start = performance.now();
  cpu = cpuMs();
  const outcome = tidy(() => thresholdSelect({
    scores, support, names, density: kept / parameters.reduce((s, { tensor }) => s + tensor.numel, 0), scope: 'global',
  }));
  times.threshold.push(cpuMs() - cpu);
  times.thresholdWall.push(performance.now() - start);
  for (const mask of outcome.masks) mask.dispose();
}
console.log(`${values.model}, support ${values.support}, ${values.threads} thread(s): weightedSampleMasks ${median(times.sample).toFixed(1)} ms CPU ` +
  `(${median(times.sampleWall).toFixed(1)} wall), thresholdSelect ${median(times.threshold).toFixed(1)} ms CPU ` +
  `(${median(times.thresholdWall).toFixed(1)} wall); ratio CPU ${(median(times.sample) / median(times.threshold)).toFixed(2)}, ` +
  `wall ${(median(times.sampleWall) / median(times.thresholdWall)).toFixed(2)}`);
