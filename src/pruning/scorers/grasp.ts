// GraSP (Wang et al. 2020) with Synaptic-Flow's conventions: logits divided by a temperature (200), g = Σ_b ∇L_b
// without a graph, then Hg = Σ_b ∇(gᵀ∇L_b) by double backward, score = w ⊙ Hg, keep the LARGEST. GraSP's paper
// removes the weights with the largest −w ⊙ Hg, which is the same set. Scores are signed; Synaptic-Flow's
// division by |Σ score| does not change the order and is left out.
import { F, noGrad, tidy, zeros, type Tensor } from '../../torch/index.js';
import type { InputBatch } from '../../data/index.js';
import { deviceOf, gradients, nextBatch, requireInput, weightsOf } from './common.js';
import type { Scorer, ScorerOptions, ScoringContext } from './types.js';

/** Hg summed over the batches, with g summed over the same batches (both passes see the same batches). */
export function hessianGradientProduct(context: ScoringContext, temperature: number): Tensor[] {
  const source = requireInput(context, 'grasp');
  const weights = weightsOf(context);
  const batches: InputBatch[] = [];
  try {
    for (let index = 0; index < context.batches; index++) {
      batches.push(tidy(() => nextBatch(source, weights[0])));
    }
    const loss = (batch: InputBatch): Tensor =>
      F.crossEntropy(context.model.forward(batch.inputs).div(temperature), batch.labels);
    const g = weights.map((weight) => zeros(weight.shape, { dtype: weight.dtype, device: deviceOf(weight) }));
    for (const batch of batches) {
      tidy(() => {
        const grads = gradients(loss(batch), weights);
        noGrad(() => grads.forEach((gradient, index) => g[index].add_(gradient)));
      });
    }
    const hg = weights.map((weight) => zeros(weight.shape, { dtype: 'float64', device: deviceOf(weight) }));
    for (const batch of batches) {
      tidy(() => {
        const grads = gradients(loss(batch), weights, { createGraph: true });
        let inner = grads[0].mul(g[0]).sum();
        for (let index = 1; index < grads.length; index++) inner = inner.add(grads[index].mul(g[index]).sum());
        const products = gradients(inner, weights);
        noGrad(() => products.forEach((product, index) => hg[index].add_(product)));
      });
    }
    for (const tensor of g) tensor.dispose();
    return hg;
  } finally {
    for (const batch of batches) { batch.inputs.dispose(); batch.labels.dispose(); }
  }
}

export function createGraspScorer(options: ScorerOptions = {}): Scorer {
  const temperature = options.temperature ?? 200;
  if (!(typeof temperature === 'number' && temperature > 0 && Number.isFinite(temperature))) {
    throw new RangeError(`grasp: temperature must be a positive number, got ${JSON.stringify(options.temperature)}`);
  }
  return {
    score(context: ScoringContext): Tensor[] {
      const hg = hessianGradientProduct(context, temperature);
      return noGrad(() => hg.map((product, index) => product.mul_(context.parameters[index].tensor)));
    },
    dispose: () => {},
  };
}
