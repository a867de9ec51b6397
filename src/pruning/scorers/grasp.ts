// GraSP (Wang et al. 2020) with Synaptic-Flow's conventions: logits divided by a temperature (200), g = Σ_b ∇L_b
// without a graph, then Hg = Σ_b ∇(gᵀ∇L_b) by double backward, score = w ⊙ Hg, keep the LARGEST. GraSP's paper
// removes the weights with the largest −w ⊙ Hg, which is the same set. Scores are signed; Synaptic-Flow's
// division by |Σ score| does not change the order and is left out.
// With one batch (the usual case) g comes from the same backward pass that builds the graph for Hg: one forward
// and one double backward in all, not two forwards. Sums stay in the weights' dtype; scores are float64 unless
// the caller only ranks them. Eval-mode batch norm is folded into the layer before it for the passes, which spares
// its forward, backward and double backward (the scores are those of the unfolded weights up to rounding).
import { F, keep, noGrad, tidy, type Tensor } from '../../torch/index.js';
import type { InputBatch } from '../../data/index.js';
import { finalScores, foldForScoring, gradients, nextBatch, requireInput, weightsOf } from './common.js';
import type { Scorer, ScorerOptions, ScoringContext } from './types.js';

/**
 * Hg summed over the batches, with g summed over the same batches (both passes see the same batches). With
 * `metric` (per weight, broadcasting), H(metric ⊙ g) instead: on batch-norm-folded weights W_f = a ⊙ W,
 * W ⊙ H_W g_W = W_f ⊙ H_f(a² ⊙ g_f), so metric a² gives the scores of the unfolded weights.
 */
export function hessianGradientProduct(context: ScoringContext, temperature: number, metric: readonly (Tensor | null)[] = []): Tensor[] {
  const source = requireInput(context, 'grasp');
  const weights = weightsOf(context);
  const batches: InputBatch[] = [];
  try {
    for (let index = 0; index < context.batches; index++) {
      batches.push(tidy(() => nextBatch(source, weights[0])));
    }
    const loss = (batch: InputBatch): Tensor =>
      F.crossEntropy(context.model.forward(batch.inputs).div(temperature), batch.labels);
    const innerProduct = (grads: Tensor[], g: readonly Tensor[]): Tensor => {
      let inner = grads[0].mul(g[0]).sum();
      for (let index = 1; index < grads.length; index++) inner = inner.add(grads[index].mul(g[index]).sum());
      return inner;
    };
    const weighted = (g: Tensor[]): Tensor[] => noGrad(() => g.map((gradient, index) =>
      metric[index] ? gradient.mul(metric[index]!.to(gradient.dtype)) : gradient));
    if (batches.length === 1) {
      return tidy(() => {
        const grads = gradients(loss(batches[0]), weights, { createGraph: true });
        const g = weighted(grads.map((gradient) => gradient.detach()));
        return gradients(innerProduct(grads, g), weights);
      });
    }
    let g: Tensor[] | null = null;
    for (const batch of batches) {
      tidy(() => {
        const grads = gradients(loss(batch), weights);
        if (!g) g = grads.map((gradient) => keep(gradient));
        else noGrad(() => grads.forEach((gradient, index) => g![index].add_(gradient)));
      });
    }
    if (metric.some((factor) => factor)) {
      const plain = g!;
      g = tidy(() => weighted(plain).map((product) => keep(product)));
      for (const tensor of plain) if (!g.includes(tensor)) tensor.dispose();
    }
    let hg: Tensor[] | null = null;
    for (const batch of batches) {
      tidy(() => {
        const products = gradients(innerProduct(gradients(loss(batch), weights, { createGraph: true }), g!), weights);
        if (!hg) hg = products.map((product) => keep(product));
        else noGrad(() => products.forEach((product, index) => hg![index].add_(product)));
      });
    }
    for (const tensor of g!) tensor.dispose();
    return hg!;
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
      // batch norm folded for the passes (common.ts foldForScoring): W_f ⊙ H_f(a² ⊙ g_f) = W ⊙ H_W g_W
      const folded = foldForScoring(context);
      let scores: Tensor[];
      try {
        const metric = folded ? context.parameters.map(({ tensor }) => tidy(() => {
          const scale = folded.channelScale(tensor);
          return scale && keep(scale.square());
        })) : [];
        try {
          const hg = hessianGradientProduct(context, temperature, metric);
          scores = noGrad(() => hg.map((product, index) => product.mul_(context.parameters[index].tensor)));
        } finally {
          for (const factor of metric) factor?.dispose();
        }
      } finally {
        folded?.restore();
      }
      return finalScores(scores, context);
    },
    dispose: () => {},
  };
}
