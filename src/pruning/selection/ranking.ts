// Shared pieces of every selection: the wanted keep counts and exact top-k among the surviving weights. Weights
// outside the support are never looked at, so a pruned weight can never come back whatever its score.
import { Tensor, sums, survivorTopK, tidy, where } from '../../torch/index.js';
import { keepCount } from '../density.js';
import type { KeepRule, SelectionRequest } from './types.js';

/** A 0/1 mask as a bool tensor (no copy when it is one already). */
export const asBool = (mask: Tensor): Tensor => (mask.dtype === 'bool' ? mask : mask.ne(0));

export { sums };

export const survivorCount = (support: Tensor): number => tidy(() => asBool(support).sum().item());

/** How many of `total` weights a density keeps under a rule (before ties: Synaptic-Flow's may keep fewer). */
export function ruleKeepCount(density: number, total: number, rule: KeepRule = 'round'): number {
  return rule === 'synaptic-flow' ? total - synapticFlowPruneCount(density, total) : keepCount(density, total);
}

/** Synaptic-Flow's number of weights to prune: int((1.0 - density) * N), in the same double arithmetic as Python. */
export function synapticFlowPruneCount(density: number, total: number): number {
  return Math.max(0, Math.trunc((1 - density) * total));
}

/** Kept weights wanted overall (global), never more than the survivors. */
export function globalKeepCount(request: SelectionRequest): number {
  const total = request.support.reduce((sum, mask) => sum + mask.numel, 0);
  const survivors = request.survivors ?? request.support.reduce((sum, mask) => sum + survivorCount(mask), 0);
  if (request.keep !== undefined) return Math.min(survivors, request.keep);
  return Math.min(survivors, ruleKeepCount(request.density, total, request.rule));
}
/** Kept weights wanted per layer (local), never more than the layer's survivors. */
export function localKeepCounts(request: SelectionRequest): number[] {
  return request.support.map((mask, index) =>
    Math.min(request.layerSurvivors?.[index] ?? survivorCount(mask), ruleKeepCount(request.density, mask.numel, request.rule)));
}

/**
 * Synaptic-Flow's thresholding (Pruner._global_mask, or _local_mask for one layer): prune = ⌊(1 − d)·N⌋ of all N
 * weights, t = the prune-th smallest score with every pruned weight counting as 0, keep the survivors scoring
 * above t. A pruned weight is never kept again (the reference would revive one whose score beat t; its SynFlow and
 * GraSP score pruned weights 0, so there they agree). Counts the survivors at or below 0 so that t is found
 * among the survivors with one exact top-k instead of a sort of all N scores.
 */
export function synapticFlowMasks(scores: readonly Tensor[], support: readonly Tensor[], density: number,
  names: readonly string[] = [], knownSurvivors?: readonly number[]): TopK {
  return tidy(() => {
    const kept = support.map(asBool);
    const total = scores.reduce((sum, score) => sum + score.numel, 0);
    const layerSurvivors = knownSurvivors ? [...knownSurvivors] : sums(kept);
    const survivors = layerSurvivors.reduce((sum, n) => sum + n, 0);
    const pruned = total - survivors;
    const prune = synapticFlowPruneCount(density, total);
    checkNaN(scores, kept, names);
    let threshold = -Infinity;
    if (prune > 0 && survivors > 0) {
      const negative = sums(scores.map((score, index) => score.lt(0).logicalAnd(kept[index]))).reduce((a, b) => a + b, 0);
      const zero = sums(scores.map((score, index) => score.eq(0).logicalAnd(kept[index]))).reduce((a, b) => a + b, 0);
      const rank = prune <= negative ? prune : prune <= negative + pruned + zero ? 0 : prune - pruned; // among survivors
      if (rank === 0) threshold = 0;
      else {
        // the rank-th smallest survivor = the smallest of the (survivors − rank + 1) largest
        const top = topKAmongSurvivors(scores, kept, survivors - rank + 1, names, layerSurvivors).masks;
        threshold = Math.min(...top.map((mask, index) => where(mask, scores[index], Infinity).min().item()));
      }
    }
    const masks = scores.map((score, index) => score.gt(threshold).logicalAnd(kept[index]));
    return { masks, counts: sums(masks) };
  });
}

/** Throws a RangeError naming the first layer whose surviving scores contain NaN. */
export function checkNaN(scores: readonly Tensor[], support: readonly Tensor[] | null, names: readonly string[]): void {
  tidy(() => scores.forEach((score, index) => {
    const nan = support ? score.isnan().logicalAnd(asBool(support[index])) : score.isnan();
    const count = nan.sum().item();
    if (count > 0) throw nanError(names, index, count);
  }));
}

const nanError = (names: readonly string[], index: number, count: number): RangeError =>
  new RangeError(`scores of '${names[index] ?? index}' contain ${count} NaN values; the scorer failed numerically`);

export interface TopK {
  /** bool masks shaped like the layers (true = kept). */
  masks: Tensor[];
  /** Kept count per layer. */
  counts: number[];
}

/**
 * Exactly the k largest scores among the surviving weights (all weights when support is null). Scores equal to
 * the k-th largest are taken in flat order (layer order, then row-major) until k are kept: deterministic, never
 * more or fewer. NaN among the survivors is an error naming the layer. torch's survivorTopK does the work (one
 * native pass on the CPU, ATen ops elsewhere).
 */
export function topKAmongSurvivors(scores: readonly Tensor[], support: readonly Tensor[] | null, k: number,
  names: readonly string[] = [], knownSurvivors?: readonly number[]): TopK {
  return tidy(() => {
    const kept = support ? support.map(asBool) : null;
    const survivors = kept && knownSurvivors ? knownSurvivors.reduce((sum, n) => sum + n, 0) : undefined;
    const { masks, counts, nan } = survivorTopK(scores, kept, k, { survivors });
    if (nan) throw nanError(names, nan.index, nan.count);
    return { masks, counts };
  });
}

/** Bool masks keeping exactly the k largest entries over all tensors (ties in flat order). */
export function topKMasks(scores: readonly Tensor[], k: number): Tensor[] {
  return topKAmongSurvivors(scores, null, k).masks;
}

/** Cuts a flat tensor back into views shaped like `like`. */
export function splitLike(flat: Tensor, like: readonly { numel: number; shape: number[] }[]): Tensor[] {
  let offset = 0;
  return like.map((tensor) => {
    const piece = flat.narrow(0, offset, tensor.numel).view(tensor.shape);
    offset += tensor.numel;
    return piece;
  });
}
