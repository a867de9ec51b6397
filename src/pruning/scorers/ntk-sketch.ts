// NTK sketch (the paper's Section 7): p_k ∝ ‖J(θ₀)_(k)‖·|θ₀ₖ|, where J is the Jacobian of every output of every
// example in the batch with respect to the weights, and J_(k) its column for weight k. The squared column norm is
// Σ_examples Σ_outputs (∂f_c(x)/∂θ_k)²: one forward per example and one backward per output, squares accumulated.
// With batch norm in eval mode the examples are independent, so this is exactly the batch Jacobian.
// Cost: batchSize·batches forward passes and as many times numClasses backward passes, each on one example.
import { Tensor, noGrad, tidy, zeros } from '../../torch/index.js';
import { deviceOf, gradients, nextBatch, requireInput, weightsOf } from './common.js';
import type { Scorer, ScoringContext } from './types.js';

/** Σ over examples and outputs of squared per-example gradients (float64), shaped like the weights. */
export function jacobianColumnSquares(context: ScoringContext): Tensor[] {
  const source = requireInput(context, 'ntk-sketch');
  const weights = weightsOf(context);
  const squares = weights.map((weight) => zeros(weight.shape, { dtype: 'float64', device: deviceOf(weight) }));
  for (let batch = 0; batch < context.batches; batch++) {
    tidy(() => {
      const { inputs } = nextBatch(source, weights[0]);
      const examples = inputs.size(0);
      for (let example = 0; example < examples; example++) {
        tidy(() => {
          const output = context.model.forward(inputs.narrow(0, example, 1)).flatten();
          const outputs = output.size(0);
          for (let index = 0; index < outputs; index++) {
            tidy(() => {
              const grads = gradients(output.select(0, index), weights, { retainGraph: index < outputs - 1 });
              noGrad(() => grads.forEach((gradient, k) => squares[k].add_(gradient.square())));
            });
          }
        });
      }
    });
  }
  return squares;
}

export function createNtkSketchScorer(): Scorer {
  return {
    score(context: ScoringContext): Tensor[] {
      const squares = jacobianColumnSquares(context);
      return noGrad(() => squares.map((square, index) =>
        square.sqrt().mul_(context.parameters[index].tensor.abs())));
    },
    dispose: () => {},
  };
}
