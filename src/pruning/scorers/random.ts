// Random: uniform scores, so global thresholding keeps a uniformly random subset (Synaptic-Flow's Rand).
import { rand, type Device, type Tensor } from '../../torch/index.js';
import type { Scorer, ScoringContext } from './types.js';

export function createRandomScorer(): Scorer {
  return {
    score: (context: ScoringContext): Tensor[] =>
      context.parameters.map(({ tensor }) => rand(tensor.shape, { dtype: 'float64', device: tensor.device as Device })),
    dispose: () => {},
  };
}
