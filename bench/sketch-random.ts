// SynFlow with sketch-random against SynFlow with threshold selection, interleaved in one process (this machine is
// noisy): wall and process CPU seconds per run, and the ratio pair by pair.
//   node dist/bench/sketch-random.js --model vgg19 --iterations 10 --rounds 3
import { parseArgs } from 'node:util';
import { manualSeed, setNumThreads } from '../src/torch/index.js';
import { createModel } from '../src/nn/index.js';
import { prune } from '../src/pruning/index.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'vgg19' }, iterations: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '3' }, threads: { type: 'string', default: '2' },
  },
});
setNumThreads(Number(values.threads));
const selections = ['threshold', 'sketch-random'] as const;
const runs: Record<string, { wall: number; cpu: number }[]> = { threshold: [], 'sketch-random': [] };
for (let round = 0; round < Number(values.rounds); round++) {
  for (const selection of selections) {
    manualSeed(0);
    const model = createModel(values.model!, { inputShape: [3, 32, 32], numClasses: 10 });
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    const result = await prune(model, { method: 'synflow', density: 0.1, iterations: Number(values.iterations), selection, seed: 0 });
    const cpu = process.cpuUsage(cpuStart);
    runs[selection].push({ wall: (performance.now() - start) / 1000, cpu: (cpu.user + cpu.system) / 1e6 });
    result.masks.dispose();
    model.dispose();
  }
}
const median = (samples: number[]): number => [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)];
const show = (samples: number[]): string => samples.map((s) => s.toFixed(2)).join(' / ');
for (const selection of selections) {
  console.log(`${selection.padEnd(13)} wall ${show(runs[selection].map((r) => r.wall))} s, CPU ${show(runs[selection].map((r) => r.cpu))} s`);
}
const ratio = (key: 'wall' | 'cpu') => runs['sketch-random'].map((r, i) => r[key] / runs.threshold[i][key]);
console.log(`sketch-random / threshold (${values.model}, ${values.iterations} SynFlow iterations): wall ${show(ratio('wall'))}` +
  ` (median ${median(ratio('wall')).toFixed(2)}), CPU median ${median(ratio('cpu')).toFixed(2)}`);
