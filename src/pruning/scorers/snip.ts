// SNIP (Lee et al. 2019), as Synaptic-Flow computes it: g = Σ over the batches of ∂L/∂w (cross entropy with the
// batch's labels, mean over each batch), accumulated before the absolute value; score = |g ⊙ w|.
import { F, noGrad, tidy, zeros, type Tensor } from '../../torch/index.js';
import { deviceOf, gradients, nextBatch, requireInput, weightsOf } from './common.js';
import type { Scorer, ScoringContext } from './types.js';

export function snipGradientSum(context: ScoringContext): Tensor[] {
  const source = requireInput(context, 'snip');
  const weights = weightsOf(context);
  const sums = weights.map((weight) => zeros(weight.shape, { dtype: 'float64', device: deviceOf(weight) }));
  for (let batch = 0; batch < context.batches; batch++) {
    tidy(() => {
      const { inputs, labels } = nextBatch(source, weights[0]);
      const loss = F.crossEntropy(context.model.forward(inputs), labels);
      const grads = gradients(loss, weights);
      noGrad(() => grads.forEach((gradient, index) => sums[index].add_(gradient)));
    });
  }
  return sums;
}

export function createSnipScorer(): Scorer {
  return {
    score(context: ScoringContext): Tensor[] {
      const sums = snipGradientSum(context);
      return noGrad(() => sums.map((sum, index) => sum.mul_(context.parameters[index].tensor).abs_()));
    },
    dispose: () => {},
  };
}
