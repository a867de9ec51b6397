// SNIP (Lee et al. 2019), as Synaptic-Flow computes it: g = Σ over the batches of ∂L/∂w (cross entropy with the
// batch's labels, mean over each batch), accumulated before the absolute value; score = |g ⊙ w|. The sum stays in
// the weights' dtype (the first batch's gradients are the accumulator) and |g ⊙ w| is one native pass on the CPU;
// scores are float64 unless the caller only ranks them. Eval-mode batch norm is folded into the layer before it for
// the pass (common.ts foldForScoring): the same scores up to rounding, without the batch-norm passes.
import { absMul_, keep, noGrad, tidy, F, type Tensor } from '../../torch/index.js';
import { finalScores, foldForScoring, gradients, nextBatch, requireInput, weightsOf } from './common.js';
import type { Scorer, ScoringContext } from './types.js';

export function snipGradientSum(context: ScoringContext): Tensor[] {
  const source = requireInput(context, 'snip');
  const weights = weightsOf(context);
  let sums: Tensor[] | null = null;
  for (let batch = 0; batch < context.batches; batch++) {
    tidy(() => {
      const { inputs, labels } = nextBatch(source, weights[0]);
      const loss = F.crossEntropy(context.model.forward(inputs), labels);
      const grads = gradients(loss, weights);
      if (!sums) sums = grads.map((gradient) => keep(gradient));
      else noGrad(() => grads.forEach((gradient, index) => sums![index].add_(gradient)));
    });
  }
  return sums!;
}

export function createSnipScorer(): Scorer {
  return {
    score(context: ScoringContext): Tensor[] {
      // batch norm folded: W ⊙ ∂L/∂W = W_f ⊙ ∂L/∂W_f, so the folded weights and their gradients give the scores
      const folded = foldForScoring(context);
      let sums: Tensor[];
      try {
        sums = snipGradientSum(context);
        const weights = weightsOf(context);
        noGrad(() => {
          if ([...sums, ...weights].every((tensor) => tensor.device === 'cpu' && tensor.dtype === sums[0].dtype)) absMul_(sums, weights);
          else sums.forEach((sum, index) => sum.mul_(weights[index]).abs_());
        });
      } finally {
        folded?.restore();
      }
      return finalScores(sums, context);
    },
    dispose: () => {},
  };
}
