// Algorithm 1 (sketch mask): draw s indices i.i.d. from p with replacement; m_i += 1/(s·p_i) per draw.
// Vectorized: one multinomial call (with replacement) and one bincount, so d = 10⁶ costs milliseconds.
import { Tensor, arange, tidy, where } from '../torch/index.js';
import { checkBudget, checkCount, checkFinite, checkMatrix, checkProbabilities, checkTensor } from './validate.js';

export interface SketchMask {
  /** m ∈ R^d, float64: m_i = (times i was drawn)/(s·p_i); E[m_i] = 1 for every i with p_i > 0. */
  mask: Tensor;
  /** ‖m‖₀, the number of distinct indices drawn: at most s, often fewer (draws repeat). */
  keepCount: number;
  /** s, the number of draws. */
  budget: number;
}

/** s indices i.i.d. from p (normalized first), int64 of length s. */
export function drawSketchIndices(p: Tensor, s: number): Tensor {
  checkBudget(s);
  return tidy(() => checkProbabilities(p).multinomial(s, true));
}

/** Per-index scale 1/(s·p_i), and 0 where p_i = 0 (such an index is never drawn). */
function drawScale(p: Tensor, s: number): Tensor {
  return tidy(() => where(p.gt(0), p.mul(s).reciprocal(), 0));
}

/** The mask Algorithm 1 builds from given draws: m = counts ⊙ 1/(s·p). */
export function maskFromDraws(indices: Tensor, p: Tensor, s: number): Tensor {
  checkBudget(s);
  checkTensor(indices, 'indices');
  if (indices.ndim !== 1 || indices.dtype !== 'int64') {
    throw new TypeError(`indices must be a 1-D int64 tensor, got ${indices.toString()}`);
  }
  if (indices.size(0) !== s) throw new RangeError(`indices holds ${indices.size(0)} draws but s is ${s}`);
  return tidy(() => {
    const probabilities = checkProbabilities(p);
    const d = probabilities.size(0);
    if (indices.min().item() < 0 || indices.max().item() >= d) {
      throw new RangeError(`indices must lie in [0, ${d}), got values in [${indices.min().item()}, ${indices.max().item()}]`);
    }
    if (probabilities.indexSelect(0, indices).eq(0).any().item()) {
      throw new RangeError('indices include an index i with p_i = 0, which Algorithm 1 cannot draw');
    }
    return indices.bincount(null, d).to('float64').mul(drawScale(probabilities, s));
  });
}

/** Algorithm 1: one sketch mask for probabilities p (any non-negative weights; normalized) and budget s. */
export function sketchMask(p: Tensor, s: number): SketchMask {
  checkBudget(s);
  const mask = tidy(() => {
    const probabilities = checkProbabilities(p);
    const counts = probabilities.multinomial(s, true).bincount(null, probabilities.size(0));
    return counts.to('float64').mul(drawScale(probabilities, s));
  });
  const keepCount = tidy(() => mask.countNonzero().item());
  return { mask, keepCount, budget: s };
}

/** `count` independent Algorithm 1 masks for the same p, as a [count, d] float64 tensor. */
export function sketchMasks(p: Tensor, s: number, count: number): Tensor {
  checkBudget(s);
  checkCount(count, 'count');
  return tidy(() => {
    const probabilities = checkProbabilities(p);
    const d = probabilities.size(0);
    const draws = probabilities.multinomial(count * s, true).reshape([count, s]);
    return countRows(draws, count, d).mul(drawScale(probabilities, s).unsqueeze(0));
  });
}

/**
 * One Algorithm 1 mask per row of P ([B, d], each row its own non-negative weights, normalized per row),
 * as [B, d] float64. Used where p itself is random (a new X per row).
 */
export function sketchMaskRows(P: Tensor, s: number): Tensor {
  checkBudget(s);
  const weights = checkMatrix(P, 'P');
  return tidy(() => {
    const P64 = weights.to('float64');
    checkFinite(P64, 'P');
    if (P64.lt(0).any().item()) throw new RangeError('P must be non-negative');
    const mass = P64.sum(1, true);
    if (mass.le(0).any().item()) throw new RangeError('every row of P must have positive total mass');
    const probabilities = P64.div(mass);
    const [rows, d] = probabilities.shape;
    const scale = where(probabilities.gt(0), probabilities.mul(s).reciprocal(), 0);
    return countRows(probabilities.multinomial(s, true), rows, d).mul(scale);
  });
}

/** counts[r, i] = how often row r of draws ([rows, s], int64) holds i; one bincount over offset indices. */
function countRows(draws: Tensor, rows: number, d: number): Tensor {
  return tidy(() => {
    const offsets = arange(0, rows * d, d).unsqueeze(1);
    return draws.add(offsets).flatten().bincount(null, rows * d).reshape([rows, d]).to('float64');
  });
}
