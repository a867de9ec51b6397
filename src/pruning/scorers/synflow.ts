// SynFlow (Tanaka et al. 2020): run the model on |θ| (every parameter and floating buffer replaced by its absolute
// value, so batch norm in eval mode uses |running stats| as the reference does), feed an input (all ones by
// default), R = Σ outputs, score = |θ ⊙ ∂R/∂θ|. Everything runs in float64, so that products along deep paths keep
// their precision (in float32 they lose it and can underflow). One pass agrees with Synaptic-Flow's code on
// identical weights; iterated 100 times the masks drift from its masks through the kept count per iteration
// (round(d·N) here, about ⌈d·N⌉ there, ties with its threshold pruned) and, against its float32, through rounding,
// since every changed weight changes later scores: with prune()'s keepRule 'synaptic-flow' the masks equal those of
// its loop run in float64 (its own float32 and float64 masks differ). The float64 |θ| stays in place across
// iterations, and the pruning loop's mask multiplications act on it directly, so each iteration costs one forward
// and one backward pass.
import { Tensor, absMul_, isFloating, keep, noGrad, ones, tidy, withRegionThreads } from '../../torch/index.js';
import type { Module } from '../../nn/index.js';
import { deviceOf, gradients, nextBatch } from './common.js';
import type { Scorer, ScoringContext } from './types.js';

interface Swapped { tensor: Tensor; original: Tensor }

/** Points every floating parameter and buffer at a float64 copy of its absolute value; returns how to undo it. */
function linearize(model: Module): Swapped[] {
  const tensors = [...model.parameters(), ...model.namedBuffers().map(([, buffer]) => buffer)]
    .filter((tensor) => isFloating(tensor.dtype));
  return tensors.map((tensor) => {
    const original = keep(tensor.detach());
    tidy(() => tensor.setData_(noGrad(() => original.abs().to('float64'))));
    return { tensor, original };
  });
}

function inputShapeOf(model: Module): number[] {
  const shape = (model as Module & { inputShape?: number[] }).inputShape;
  if (!Array.isArray(shape)) {
    throw new Error(`synflow: ${model.constructor.name} does not declare an inputShape; pass input.inputShape or an input source`);
  }
  return shape;
}

export function createSynflowScorer(): Scorer {
  let swapped: Swapped[] | null = null;
  return {
    score(context: ScoringContext): Tensor[] {
      swapped ??= linearize(context.model);
      const weights = context.parameters.map(({ tensor }) => tensor);
      return tidy(() => {
        const inputs = context.input
          ? nextBatch(context.input, weights[0]).inputs
          : ones([1, ...inputShapeOf(context.model)], { dtype: 'float64', device: deviceOf(weights[0]) });
        // One example (the default ones input): nothing to split by image, so libtorch's parallel regions run on
        // one thread and BLAS keeps the cores (see withRegionThreads).
        const pass = () => gradients(context.model.forward(inputs).sum(), weights);
        const grads = inputs.size(0) === 1 && inputs.device === 'cpu' ? withRegionThreads(1, pass) : pass();
        return noGrad(() => {
          if (grads.every((gradient) => gradient.device === 'cpu')) absMul_(grads, weights); // one pass, not two
          else grads.forEach((gradient, index) => gradient.mul_(weights[index]).abs_());
          return grads;
        });
      });
    },
    dispose(): void {
      if (!swapped) return;
      for (const { tensor, original } of swapped) { tensor.setData_(original); original.dispose(); }
      swapped = null;
    },
  };
}
