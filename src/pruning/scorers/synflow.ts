// SynFlow (Tanaka et al. 2020): run the model on |θ| (every parameter and floating buffer replaced by its absolute
// value, so batch norm in eval mode uses |running stats| as the reference does), feed an input (all ones by
// default), R = Σ outputs, score = |θ ⊙ ∂R/∂θ|.
//
// Precision 'float32' (default): on the built-in architectures, batch norm is folded into the convolution before it
// and the layers are scaled by powers of two so that activations stay near 1 (synflow-scaling.ts). Every score is
// then one constant 2^e times the exact SynFlow score, so the ranking is that of the exact scores, with nothing
// under- or overflowing where the reference's plain float32 does. Inside the pruning loop the selections take the
// scaled float32 scores (a constant factor changes no threshold, no sampling probability); scoreModel and the
// first-iteration scores come back unscaled in float64. A model whose structure is unknown (TorchScript, a custom
// forward), batch norm in train mode, or prunable biases/batch-norm parameters fall back to 'float64': the whole
// model on float64 |θ|, as before. The |θ| copies stay in place across iterations, and the pruning loop's mask
// multiplications act on them directly, so each iteration costs one forward and one backward pass.
//
// One pass agrees with Synaptic-Flow's code on identical weights; iterated 100 times the masks drift from its masks
// through the kept count per iteration (round(d·N) here, about ⌈d·N⌉ there, ties with its threshold pruned) and,
// against its float32, through rounding, since every changed weight changes later scores: with prune()'s keepRule
// 'synaptic-flow' and precision 'float64' the masks equal those of its loop run in float64.
import { Tensor, absMul_, isFloating, keep, noGrad, ones, tidy, withRegionThreads } from '../../torch/index.js';
import type { Module } from '../../nn/index.js';
import { deviceOf, gradients, nextBatch, prunableAreLayerWeights } from './common.js';
import { scaleForSynflow, type ScaledSynflow } from './synflow-scaling.js';
import type { Scorer, ScoringContext } from './types.js';

export type SynflowPrecision = 'float32' | 'float64';

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

/** R' outside [2^-LEVEL, 2^LEVEL] re-balances the scales before the next pass (float32 spans 2^±126). */
const LEVEL = 24;

export function createSynflowScorer(options: { precision?: SynflowPrecision } = {}): Scorer {
  const wanted = options.precision ?? 'float32';
  if (wanted !== 'float32' && wanted !== 'float64') throw new TypeError(`synflow: precision must be float32 or float64, got ${String(wanted)}`);
  let swapped: Swapped[] | null = null;
  let scaled: ScaledSynflow | null = null;
  let used: SynflowPrecision | null = null;
  let rebalance = true;

  const setUp = (context: ScoringContext): void => {
    if (used) return;
    scaled = wanted === 'float32' && prunableAreLayerWeights(context) ? scaleForSynflow(context.model) : null;
    if (scaled) used = 'float32';
    else { swapped = linearize(context.model); used = 'float64'; }
  };

  return {
    score(context: ScoringContext): Tensor[] {
      setUp(context);
      const weights = context.parameters.map(({ tensor }) => tensor);
      const dtype = used!;
      return tidy(() => {
        const inputs = context.input
          ? nextBatch(context.input, weights[0]).inputs
          : ones([1, ...inputShapeOf(context.model)], { dtype, device: deviceOf(weights[0]) });
        if (scaled && rebalance) { scaled.rebalance(inputs); rebalance = false; }
        // One example (the default ones input): nothing to split by image, so libtorch's parallel regions run on
        // one thread and BLAS keeps the cores (see withRegionThreads).
        const pass = () => {
          const total = context.model.forward(inputs).sum();
          return { grads: gradients(total, weights), total: scaled ? total.item() : 0 };
        };
        const single = inputs.size(0) === 1 && inputs.device === 'cpu';
        let { grads, total } = single ? withRegionThreads(1, pass) : pass();
        if (scaled && !(total > 0 && Number.isFinite(total))) {
          // overflow or total underflow in this pass (or a dead network): re-balance and take the pass again
          scaled.rebalance(inputs);
          grads.forEach((gradient) => gradient.dispose());
          ({ grads, total } = single ? withRegionThreads(1, pass) : pass());
        }
        if (scaled && total > 0 && Math.abs(Math.log2(total)) > LEVEL) rebalance = true;
        return noGrad(() => {
          if (grads.every((gradient) => gradient.device === 'cpu')) absMul_(grads, weights); // one pass, not two
          else grads.forEach((gradient, index) => gradient.mul_(weights[index]).abs_());
          if (!scaled || context.rankingOnly) return grads;
          const factor = 2 ** -scaled.scoreExponent;
          return grads.map((gradient) => gradient.to('float64').mul_(factor));
        });
      });
    },
    recordOptions(): Record<string, unknown> {
      return { precision: used ?? wanted };
    },
    dispose(): void {
      if (scaled) { scaled.restore(); scaled = null; }
      if (swapped) {
        for (const { tensor, original } of swapped) { tensor.setData_(original); original.dispose(); }
        swapped = null;
      }
      used = null;
      rebalance = true;
    },
  };
}
