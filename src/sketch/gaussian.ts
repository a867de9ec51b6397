// Exact expectations over random data X with i.i.d. N(0, 1/n) entries (derived here, not taken from the paper).
//
// With r_k = ‖X₍ₖ₎‖: rows are independent, E r_k² = 1, E r_k = μ = √(2/n)Γ((n+1)/2)/Γ(n/2), E‖Xᵀv‖² = ‖v‖².
// Algorithm 1 with p⁰ ∝ r_k|w⁰_k| (recomputed from each X) applied to w⋆, with S = {k: w⁰_k ≠ 0}:
//   E_X E_m = ‖w⋆_{S^c}‖² + (μ²/s)·(‖w⁰‖₁·Σ_{k∈S} (w⋆_k)²/|w⁰_k| − ‖w⋆_S‖²)
// because E[r_k·Σ_j r_j|w⁰_j|] = |w⁰_k| + μ²(‖w⁰‖₁ − |w⁰_k|). For w⋆ = w⁰ this is (μ²/s)(‖w⁰‖₁² − ‖w⁰‖²).
// Uniform p = 1/d: E_X E_m = (d/s)‖w⋆‖² − (1/s)‖w⋆‖² = ((d−1)/s)‖w⋆‖².
import { Tensor, tidy } from '../torch/index.js';
import { theorem44Form } from './bounds.js';
import { chiRowNormMean } from './stats.js';
import { checkBudget, checkVector } from './validate.js';

export interface GaussianExpectation {
  expected: number;
  /** The part from indices p⁰ never draws (w⁰_k = 0, w⋆_k ≠ 0); it does not shrink with s. */
  bias: number;
  /** μ = E‖X₍ₖ₎‖. */
  rowNormMean: number;
}

/** E_X E_m‖Xᵀw⋆ − Xᵀ(w⋆⊙m)‖² for Algorithm 1 with Eq. (2) probabilities from (X, w⁰), X ~ N(0, 1/n) entries. */
export function gaussianExpectedErrorEq2(w0: Tensor, wStar: Tensor, s: number, n: number): GaussianExpectation {
  checkVector(w0, 'w0');
  checkVector(wStar, 'wStar', w0.size(0), 'd (the length of w⁰)');
  checkBudget(s);
  const mu = chiRowNormMean(n);
  return tidy(() => {
    const w064 = w0.to('float64');
    const star = wStar.to('float64');
    const magnitude = w064.abs();
    const support = magnitude.gt(0);
    const supportF = support.to('float64');
    if (!(magnitude.sum().item() > 0)) throw new RangeError('w0 is all zero: Eq. (2) probabilities are undefined');
    const starOn = star.mul(supportF);
    const bias = star.sub(starOn).square().sum().item();
    const safeMagnitude = magnitude.add(support.logicalNot().to('float64'));
    const weighted = starOn.square().div(safeMagnitude).sum().item();
    const spread = (mu * mu / s) * (magnitude.sum().item() * weighted - starOn.square().sum().item());
    return { expected: bias + spread, bias, rowNormMean: mu };
  });
}

/** E_X E_m for Algorithm 1 with uniform p = 1/d: ((d−1)/s)‖w⋆‖². */
export function gaussianExpectedErrorUniform(wStar: Tensor, s: number): number {
  checkVector(wStar, 'wStar');
  checkBudget(s);
  return tidy(() => ((wStar.size(0) - 1) / s) * wStar.to('float64').square().sum().item());
}

/**
 * A valid replacement for Theorem 4.4's right-hand side (for w⁰ without zeros): the proof's step
 * Σ_k (w⋆_k−w⁰_k)²/|w⁰_k| ≤ ‖w⋆−w⁰‖²/‖w⁰‖_∞ goes the wrong way; with min_k|w⁰_k| it holds:
 * (1/s)‖w⁰‖₁(‖w⋆−w⁰‖²/min_k|w⁰_k| + 2‖w⋆−w⁰‖₁ + ‖w⁰‖₁).
 */
export function theorem44CorrectedBound(w0: Tensor, wStar: Tensor, s: number): number {
  return theorem44Form(w0, wStar, s, 'min');
}
