// Sections 5 and 6: SynFlow and SNIP scores of the linear model f(x) = wᵀx, computed with autograd, and how
// their normalized scores compare with the Eq. (2) probabilities.
import { F, Tensor, enableGrad, grad, ones, randint, randn, tidy, zeros } from '../torch/index.js';
import { checkFinite, checkMatrix, checkVector } from './validate.js';

/**
 * SynFlow on the linear model: R = 1ᵀf(input; |w|) with f(x) = |w|ᵀx, score = |w| ⊙ ∂R/∂|w| (autograd, float64).
 * With input_i = ‖X₍ᵢ₎‖ (Section 5) the score is ‖X₍ᵢ₎‖|w_i|; with all-ones input (original SynFlow) it is |w_i|.
 */
export function synflowLinearScores(input: Tensor, w: Tensor): Tensor {
  checkVector(input, 'input');
  checkVector(w, 'w', input.size(0), 'the length of input');
  return tidy(() => enableGrad(() => {
    const absW = w.to('float64').abs().detach().requiresGrad_(true);
    const output = F.linear(input.to('float64').unsqueeze(0), absW.unsqueeze(0)); // [1, 1]
    const R = output.sum();
    const [dR] = grad(R, [absW]);
    return absW.detach().mul(dR!);
  }));
}

/**
 * SNIP saliency of the linear model under the ℓ1 loss L(m) = (1/n)Σ_i |x_iᵀ(w⊙m) − y_i|, at m = 1:
 * g_j = |∂L/∂m_j| (autograd, float64). X is d×n (examples as columns), y has length n.
 */
export function snipL1Saliency(X: Tensor, w: Tensor, y: Tensor): Tensor {
  const matrix = checkMatrix(X, 'X');
  const [d, n] = matrix.shape;
  checkVector(w, 'w', d, 'd (the number of rows of X)');
  checkVector(y, 'y', n, 'n (the number of columns of X)');
  return tidy(() => enableGrad(() => {
    const mask = ones([d], { dtype: 'float64' }).requiresGrad_(true);
    const weights = w.to('float64').mul(mask);
    const predictions = F.linear(matrix.to('float64').T, weights.unsqueeze(0)).squeeze(1); // [n]
    const loss = F.l1Loss(predictions, y.to('float64'), 'mean');
    const [gradient] = grad(loss, [mask]);
    return gradient!.abs();
  }));
}

/** The paper's closed form of the same saliency: (1/n)|w_j|·|Σ_i sign(x_iᵀw − y_i)·x_ij|. */
export function snipL1SaliencyClosedForm(X: Tensor, w: Tensor, y: Tensor): Tensor {
  const matrix = checkMatrix(X, 'X');
  const [d, n] = matrix.shape;
  checkVector(w, 'w', d, 'd (the number of rows of X)');
  checkVector(y, 'y', n, 'n (the number of columns of X)');
  return tidy(() => {
    const X64 = matrix.to('float64');
    const w64 = w.to('float64');
    const signs = w64.unsqueeze(0).mm(X64).squeeze(0).sub(y.to('float64')).sign(); // [n]
    return w64.abs().mul(X64.mm(signs.unsqueeze(1)).squeeze(1).abs()).div(n);
  });
}

/**
 * Random data where each row of X (d×n) has exactly one non-zero entry (Section 6's condition): feature j is
 * non-zero in one example, chosen uniformly, with a N(0, 1) value.
 */
export function sparseRowData(d: number, n: number): Tensor {
  if (!Number.isSafeInteger(d) || d < 1) throw new RangeError(`d must be a positive integer, got ${d}`);
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`n must be a positive integer, got ${n}`);
  return tidy(() => {
    const columns = randint(0, n, [d, 1]);
    return zeros([d, n], { dtype: 'float64' }).scatter(1, columns, randn([d, 1], { dtype: 'float64' }));
  });
}

export interface DistributionComparison {
  /** max_i |a_i − b_i| after normalizing both to sum 1. */
  maxAbsDifference: number;
  /** max_i |a_i − b_i| / max_i b_i. */
  maxRelativeDifference: number;
  /** ½·Σ_i |a_i − b_i|. */
  totalVariation: number;
  /** Pearson correlation of the two probability vectors. */
  correlation: number;
}

/** Compares two non-negative score vectors as probability distributions. */
export function compareDistributions(a: Tensor, b: Tensor): DistributionComparison {
  checkVector(a, 'a');
  checkVector(b, 'b', a.size(0), 'the length of a');
  return tidy(() => {
    const pa = normalizeScores(a, 'a');
    const pb = normalizeScores(b, 'b');
    const difference = pa.sub(pb).abs();
    const ca = pa.sub(pa.mean());
    const cb = pb.sub(pb.mean());
    const denominator = Math.sqrt(ca.square().sum().item() * cb.square().sum().item());
    return {
      maxAbsDifference: difference.max().item(),
      maxRelativeDifference: difference.max().item() / pb.max().item(),
      totalVariation: difference.sum().item() / 2,
      correlation: denominator > 0 ? ca.mul(cb).sum().item() / denominator : NaN,
    };
  });
}

function normalizeScores(scores: Tensor, name: string): Tensor {
  const scores64 = scores.to('float64');
  checkFinite(scores64, name);
  const total = scores64.sum().item();
  if (!(total > 0) || scores64.lt(0).any().item()) {
    throw new RangeError(`${name} must be non-negative scores with positive sum (sum ${total})`);
  }
  return scores64.div(total);
}
