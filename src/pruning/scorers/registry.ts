// The scorers by name. IMP is not here: it trains between rounds, so prune() hands it to imp.ts.
import { createRandomScorer } from './random.js';
import { createMagnitudeScorer } from './magnitude.js';
import { createSnipScorer } from './snip.js';
import { createGraspScorer } from './grasp.js';
import { createSynflowScorer } from './synflow.js';
import { createNtkSketchScorer } from './ntk-sketch.js';
import type { ScorerEntry } from './types.js';

export const scorers: readonly ScorerEntry[] = Object.freeze([
  {
    name: 'random', describe: 'uniform random scores (a uniformly random mask)', needsInput: false,
    defaultInput: null, defaultIterations: 1, create: createRandomScorer,
  },
  {
    name: 'magnitude', describe: '|w|', needsInput: false, defaultInput: null, defaultIterations: 1,
    create: createMagnitudeScorer,
  },
  {
    name: 'snip', describe: '|g ⊙ w|, g the loss gradient summed over the batches (Lee et al. 2019)', needsInput: true,
    defaultInput: null, defaultIterations: 1, create: createSnipScorer,
  },
  {
    name: 'grasp', describe: 'w ⊙ Hg by double backward, logits / 200, keep the largest (Wang et al. 2020, Synaptic-Flow sign)',
    needsInput: true, defaultInput: null, defaultIterations: 1, create: createGraspScorer,
  },
  {
    name: 'synflow', describe: '|θ ⊙ ∂R/∂θ| with R = Σ f(1; |θ|), scaled float32 or float64 (Tanaka et al. 2020)', needsInput: true,
    defaultInput: { source: 'ones', batchSize: 1, batches: 1 }, defaultIterations: 100,
    create: (options) => createSynflowScorer({ precision: options.precision }),
  },
  {
    name: 'ntk-sketch', describe: '‖J(θ₀)_(k)‖·|θ₀ₖ|, Jacobian column norms over a batch and all outputs (paper §7)',
    needsInput: true, defaultInput: null, defaultIterations: 1, create: createNtkSketchScorer,
  },
]);

export const methodNames: readonly string[] = [...scorers.map((entry) => entry.name), 'imp'];

export function findScorer(name: string): ScorerEntry {
  const entry = scorers.find((candidate) => candidate.name === name);
  if (!entry) {
    throw new TypeError(`unknown pruning method '${String(name)}'; known methods: ${methodNames.join(', ')}`);
  }
  return entry;
}
