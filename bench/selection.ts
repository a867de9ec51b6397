// Selection speed alone: what prune() counts as selection time per iteration (global top-k among the survivors,
// support update, zeroing the newly pruned working weights) on a model's prunable weights (VGG-19 by default,
// 20 M weights), over SynFlow's schedule (100 iterations to density 0.1, exponential), without the scoring passes.
// Scores are float32 like scaled SynFlow's: a fixed |N(0, 1)| per weight times a per-layer power of two (layers'
// scores differ by orders of magnitude), times a fresh factor in [0.9, 1.1) each iteration, 0 where pruned.
// Each round runs the schedule twice in this process: 'separate' (the top-k kernel, then the support update, then
// the weight zeroing, three passes; the code before the fused update) and 'fused' (what prune() runs now), and
// checks that both keep the same weights. Wall time per iteration and process CPU time (both threads) are reported. SKETCHPRUNE_ADDON=/path/to/old.node runs another build of the kernels.
// Usage: node dist/bench/selection.js [--model vgg19] [--iterations 100] [--density 0.1] [--threads 2] [--rounds 3]
import { parseArgs } from 'node:util';
import { Tensor, keep, manualSeed, rand, randn, replaceMasks_, setNumThreads, tidy, zeroWhere_ } from '../src/torch/index.js';
import { createModel } from '../src/nn/index.js';
import { scheduleDensities } from '../src/pruning/density.js';
import { thresholdSelect } from '../src/pruning/selection/threshold.js';
import { SupportSet } from '../src/pruning/support-set.js';
import { WorkingWeights, collectPrunable } from '../src/pruning/working-weights.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'vgg19' }, iterations: { type: 'string', default: '100' },
    density: { type: 'string', default: '0.1' }, threads: { type: 'string', default: '2' }, rounds: { type: 'string', default: '3' },
  },
});
setNumThreads(Number(values.threads));
manualSeed(0);
const densities = scheduleDensities(Number(values.density), Number(values.iterations));
const model = createModel(values.model!, { inputShape: [3, 32, 32], numClasses: 10 });
const parameters = collectPrunable(model);
const names = parameters.map(({ name }) => name);
const base = parameters.map(({ tensor }, index) => keep(tidy(() => randn(tensor.shape).abs_().mul_(2 ** ((index * 7) % 17 - 8)))));
const total = parameters.reduce((sum, { tensor }) => sum + tensor.numel, 0);
/** Process CPU time (all threads) in ms: less sensitive than wall time to other jobs on a shared machine. */
const cpuMs = (): number => { const { user, system } = process.cpuUsage(); return (user + system) / 1000; };
const median = (samples: number[]): number => [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)];

type Mode = 'separate' | 'fused';
/** One pass over the schedule; returns ms per iteration (selection, update+zero) and the final masks' checksum. */
function schedule(mode: Mode): { select: number; update: number; cpu: number; kept: number; masks: Tensor[] } {
  const support = new SupportSet(parameters);
  const working = new WorkingWeights(model, parameters);
  let select = 0;
  let update = 0;
  let cpu = 0;
  try {
    densities.forEach((density, iteration) => {
      const scores = tidy(() => base.map((score, index) => keep(score.mul(rand(score.shape).mul_(0.2).add_(0.9)).mul_(support.views[index]))));
      const start = performance.now();
      const cpuStart = cpuMs();
      const outcome = tidy(() => thresholdSelect({
        scores, support: support.views, names, density, scope: 'global', survivors: support.kept, layerSurvivors: support.layerKept,
      }));
      const selected = performance.now();
      const last = iteration === densities.length - 1;
      if (mode === 'fused') {
        support.update(outcome, last ? undefined : working.tensors);
        update += performance.now() - selected;
        cpu += cpuMs() - cpuStart;
      } else {
        // as before the fused update: the support update returns the dropped masks, then a second pass zeroes
        const pruned = replaceMasks_(support.views, outcome.masks);
        if (!last) zeroWhere_(working.tensors, pruned);
        update += performance.now() - selected;
        cpu += cpuMs() - cpuStart;
        for (const mask of pruned) mask.dispose();
        support.update(outcome); // the support's bookkeeping (counts, latest masks); the copy is a no-op here
      }
      select += selected - start;
      for (const score of scores) score.dispose();
    });
    const per = (ms: number): number => ms / densities.length;
    return { select: per(select), update: per(update), cpu: per(cpu), kept: support.kept, masks: support.takeMasks() };
  } finally {
    support.dispose();
    working.restore();
  }
}

console.log(`${values.model}: ${total} weights, ${densities.length} iterations to density ${values.density}, ${values.threads} threads`);
const results: Record<Mode, { select: number[]; update: number[]; cpu: number[] }> = {
  separate: { select: [], update: [], cpu: [] }, fused: { select: [], update: [], cpu: [] },
};
for (let round = 0; round < Number(values.rounds); round++) {
  manualSeed(round);
  const separate = schedule('separate');
  manualSeed(round);
  const fused = schedule('fused');
  const same = separate.kept === fused.kept
    && tidy(() => separate.masks.every((mask, index) => mask.ne(fused.masks[index]).sum().item() === 0));
  if (!same) throw new Error('the two modes kept different weights');
  for (const [mode, run] of [['separate', separate], ['fused', fused]] as const) {
    results[mode].select.push(run.select);
    results[mode].update.push(run.update);
    results[mode].cpu.push(run.cpu);
    for (const mask of run.masks) mask.dispose();
  }
  console.log(`round ${round + 1}: separate ${(separate.select + separate.update).toFixed(2)} ms/it (CPU ${separate.cpu.toFixed(2)}), fused ${(fused.select + fused.update).toFixed(2)} ms/it (CPU ${fused.cpu.toFixed(2)})`);
}
for (const mode of ['separate', 'fused'] as const) {
  const { select, update, cpu } = results[mode];
  console.log(`${mode}: top-k ${median(select).toFixed(2)} ms + update ${median(update).toFixed(2)} ms = ${median(select.map((s, i) => s + update[i])).toFixed(2)} ms wall per iteration, ${median(cpu).toFixed(2)} ms CPU (both threads) (medians of ${select.length})`);
}
