// Magnitude: |w|.
import { noGrad, type Tensor } from '../../torch/index.js';
import type { Scorer, ScoringContext } from './types.js';

export function createMagnitudeScorer(): Scorer {
  return {
    score: (context: ScoringContext): Tensor[] =>
      noGrad(() => context.parameters.map(({ tensor }) => tensor.abs().to('float64'))),
    dispose: () => {},
  };
}
