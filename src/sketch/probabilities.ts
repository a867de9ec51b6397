// Sampling distributions for Algorithm 1: the paper's Eq. (2), uniform, and any non-negative scores.
// All results are float64 vectors of length d that sum to 1.
import { Tensor, full, tidy } from '../torch/index.js';
import { checkFinite, checkMatrix, checkProbabilities, checkVector } from './validate.js';

/** ‖X₍ᵢ₎‖ for every row i of X (d×n): the norm of feature i across the n examples, float64. */
export function rowNorms(X: Tensor): Tensor {
  checkMatrix(X, 'X');
  return tidy(() => X.to('float64').norm(2, 1));
}

/** The Eq. (2) scores ‖X₍ᵢ₎‖·|w_i| (unnormalized), float64. */
export function eq2Scores(X: Tensor, w: Tensor): Tensor {
  const matrix = checkMatrix(X, 'X');
  checkVector(w, 'w', matrix.size(0), 'd (the number of rows of X)');
  return tidy(() => {
    const w64 = w.to('float64');
    checkFinite(w64, 'w');
    const X64 = matrix.to('float64');
    checkFinite(X64, 'X');
    return X64.norm(2, 1).mul(w64.abs());
  });
}

/** Eq. (2): p_i = ‖X₍ᵢ₎‖·|w_i| / Σ_j ‖X₍ⱼ₎‖·|w_j|. */
export function eq2Probabilities(X: Tensor, w: Tensor): Tensor {
  return tidy(() => {
    const scores = eq2Scores(X, w);
    if (!(scores.sum().item() > 0)) {
      throw new RangeError('Eq. (2) probabilities are undefined: Σ_j ‖X₍ⱼ₎‖·|w_j| = 0 (w or the rows of X are all zero)');
    }
    return checkProbabilities(scores, 'Eq. (2) scores');
  });
}

/** p_i = 1/d. */
export function uniformProbabilities(d: number): Tensor {
  if (!Number.isSafeInteger(d) || d < 1) throw new RangeError(`d must be a positive integer, got ${d}`);
  return full([d], 1 / d, { dtype: 'float64' });
}

/** p ∝ scores, for any non-negative finite scores with positive sum (e.g. SynFlow or SNIP scores). */
export function probabilitiesFromScores(scores: Tensor, name = 'scores'): Tensor {
  return checkProbabilities(scores, name);
}
