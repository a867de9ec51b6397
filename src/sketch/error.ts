// The linear-features error of a mask, ‖Xᵀw − Xᵀ(w⊙m)‖², realized and in expectation over Algorithm 1.
// Everything is computed in float64.
import { Tensor, tidy } from '../torch/index.js';
import { checkBudget, checkFinite, checkMatrix, checkProbabilities, checkTensor, checkVector } from './validate.js';

/** ‖Xᵀw − Xᵀ(w⊙m)‖² for one mask m (length d), or for each row of a [R, d] batch of masks (returns R values). */
export function maskedFeatureError(X: Tensor, w: Tensor, mask: Tensor): number[] {
  const matrix = checkMatrix(X, 'X');
  const d = matrix.size(0);
  checkVector(w, 'w', d, 'd (the number of rows of X)');
  checkTensor(mask, 'mask');
  if (mask.ndim < 1 || mask.ndim > 2 || mask.size(-1) !== d) {
    throw new RangeError(`mask must have shape [${d}] or [R, ${d}] to match X's ${d} rows, got [${mask.shape}]`);
  }
  return tidy(() => {
    const masks = mask.ndim === 1 ? mask.unsqueeze(0) : mask;
    // Xᵀ(w⊙m) − Xᵀw = Xᵀ(w⊙(m−1)); as rows: (w⊙(m−1)) X.
    const residual = masks.to('float64').sub(1).mul(w.to('float64').unsqueeze(0)).mm(matrix.to('float64'));
    return residual.square().sum(1).toArray();
  });
}

/** Algorithm 1's arguments in float64, with S = {k: p_k > 0} and w restricted to it. */
interface SketchInputs { X64: Tensor; w64: Tensor; probabilities: Tensor; support: Tensor; wCovered: Tensor }

/** Checks X [d, n], w [d], p [d] and the budget s, then runs `body` in one tidy scope on them in float64. */
function withSketchInputs<T>(X: Tensor, w: Tensor, p: Tensor, s: number, body: (inputs: SketchInputs) => T): T {
  const matrix = checkMatrix(X, 'X');
  const d = matrix.size(0);
  checkVector(w, 'w', d, 'd (the number of rows of X)');
  checkBudget(s);
  return tidy(() => {
    const probabilities = checkProbabilities(p, 'p', d);
    const X64 = matrix.to('float64');
    const w64 = w.to('float64');
    const support = probabilities.gt(0);
    return body({ X64, w64, probabilities, support, wCovered: w64.mul(support.to('float64')) });
  });
}

export interface ExpectedSketchError {
  /** E_m‖Xᵀw − Xᵀ(w⊙m)‖² over Algorithm 1's draws: bias + variance. */
  expected: number;
  /** (1/s)·Σ_{k: p_k>0} ‖X₍ₖ₎‖²w_k²/p_k − (1/s)·‖Xᵀw_S‖², the spread around the mean (S = support of p). */
  variance: number;
  /** ‖Xᵀw_{S^c}‖²: features of indices that p never draws; zero when p covers every k with ‖X₍ₖ₎‖·w_k ≠ 0. */
  bias: number;
  /** How many k have p_k = 0 while ‖X₍ₖ₎‖·w_k ≠ 0 (where the textbook formula would divide by zero). */
  uncoveredIndices: number;
}

/**
 * The exact expected error of Algorithm 1 with probabilities p (normalized) and s draws, applied to w:
 *   E_m‖Xᵀw − Xᵀ(w⊙m)‖² = (1/s)·Σ_k ‖X₍ₖ₎‖²·w_k²/p_k − (1/s)·‖Xᵀw‖²      when p_k > 0 wherever ‖X₍ₖ₎‖w_k ≠ 0.
 * If p_k = 0 for such a k, that formula reads +∞, but the true error is finite: the mask never keeps k, so the
 * estimate is biased by Xᵀw_{S^c} (S = {k: p_k > 0}) and the error is ‖Xᵀw_{S^c}‖² + the variance on S,
 * a bias that does not shrink with s. This function returns that exact value.
 */
export function expectedSketchError(X: Tensor, w: Tensor, p: Tensor, s: number): ExpectedSketchError {
  return withSketchInputs(X, w, p, s, ({ X64, w64, probabilities, support, wCovered }) => {
    checkFinite(X64, 'X');
    checkFinite(w64, 'w');
    const wUncovered = w64.sub(wCovered);
    const rowSquares = X64.square().sum(1);
    const safeP = where0(support, probabilities);
    const secondMoment = rowSquares.mul(wCovered.square()).div(safeP).sum().item();
    const coveredFeatures = wCovered.unsqueeze(0).mm(X64).square().sum().item();
    const variance = Math.max(0, (secondMoment - coveredFeatures) / s);
    const bias = wUncovered.unsqueeze(0).mm(X64).square().sum().item();
    const uncoveredIndices = rowSquares.mul(wUncovered.square()).gt(0).countNonzero().item();
    return { expected: bias + variance, variance, bias, uncoveredIndices };
  });
}

/**
 * The exact variance of the realized error e = ‖Xᵀw − Xᵀ(w⊙m)‖² over Algorithm 1's draws (so a Monte Carlo
 * mean of R masks has standard error √(variance/R), whatever the shape of e's distribution).
 * With V_t = X₍ᵢₜ₎w_{iₜ}/p_{iₜ} (t = 1..s, i.i.d.), U = V − E V, b the bias vector and C = E[UUᵀ]:
 *   Var e = (4/s)·bᵀCb + (E‖U‖⁴ − (E‖U‖²)² + 2(s−1)·tr C²)/s³ − (4/s²)·E[(bᵀU)‖U‖²].
 */
export function sketchErrorVariance(X: Tensor, w: Tensor, p: Tensor, s: number): number {
  return withSketchInputs(X, w, p, s, ({ X64, w64, probabilities, support, wCovered }) => {
    const bias = w64.sub(wCovered).unsqueeze(0).mm(X64).squeeze(0); // [n]
    const draws = X64.mul(wCovered.div(where0(support, probabilities)).unsqueeze(1)); // V_k, [d, n]
    const mean = wCovered.unsqueeze(0).mm(X64); // E V = Xᵀw_S, [1, n]
    const centered = draws.sub(mean); // u_k
    const squares = centered.square().sum(1); // ‖u_k‖²
    const second = probabilities.mul(squares).sum().item();
    const fourth = probabilities.mul(squares.square()).sum().item();
    const C = centered.T.mm(centered.mul(probabilities.unsqueeze(1))); // [n, n]
    const traceC2 = C.square().sum().item();
    const projections = centered.mm(bias.unsqueeze(1)).squeeze(1); // bᵀu_k
    const biasQuadratic = probabilities.mul(projections.square()).sum().item();
    const cross = probabilities.mul(projections).mul(squares).sum().item();
    const variance = (4 / s) * biasQuadratic + (fourth - second * second + 2 * (s - 1) * traceC2) / s ** 3 -
      (4 / s ** 2) * cross;
    return Math.max(0, variance);
  });
}

/** p where supported, 1 elsewhere (so divisions by p are finite; the numerators there are 0). */
function where0(support: Tensor, p: Tensor): Tensor {
  return tidy(() => p.add(support.logicalNot().to('float64')));
}
