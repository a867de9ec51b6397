// Shared pieces of every selection: the wanted keep counts and exact top-k among the surviving weights. Weights
// outside the support are never looked at, so a pruned weight can never come back whatever its score.
// Work is proportional to the survivors: their scores are gathered into one vector (maskedSelect), and one
// kthvalue on it finds the threshold.
import { Tensor, cat, ones, tidy } from '../../torch/index.js';
import { keepCount } from '../density.js';
import type { SelectionRequest } from './types.js';

/** A 0/1 mask as a bool tensor (no copy when it is one already). */
export const asBool = (mask: Tensor): Tensor => (mask.dtype === 'bool' ? mask : mask.ne(0));

export const survivorCount = (support: Tensor): number => tidy(() => asBool(support).sum().item());

/** Kept weights wanted overall (global), never more than the survivors. */
export function globalKeepCount(request: SelectionRequest): number {
  const total = request.support.reduce((sum, mask) => sum + mask.numel, 0);
  const survivors = request.survivors ?? request.support.reduce((sum, mask) => sum + survivorCount(mask), 0);
  return Math.min(survivors, keepCount(request.density, total));
}
/** Kept weights wanted per layer (local), never more than the layer's survivors. */
export function localKeepCounts(request: SelectionRequest): number[] {
  return request.support.map((mask) => Math.min(survivorCount(mask), keepCount(request.density, mask.numel)));
}

/** Throws a RangeError naming the first layer whose surviving scores contain NaN. */
export function checkNaN(scores: readonly Tensor[], support: readonly Tensor[] | null, names: readonly string[]): void {
  tidy(() => scores.forEach((score, index) => {
    const nan = support ? score.isnan().logicalAnd(asBool(support[index])) : score.isnan();
    const count = nan.sum().item();
    if (count > 0) throw new RangeError(`scores of '${names[index] ?? index}' contain ${count} NaN values; the scorer failed numerically`);
  }));
}

export interface TopK {
  /** bool [N]: the kept weights over all layers, in layer order. */
  flat: Tensor;
  /** bool views of `flat`, shaped like the layers. */
  masks: Tensor[];
}

/**
 * Exactly the k largest scores among the surviving weights (all weights when support is null). Scores equal to
 * the k-th largest are taken in flat order (layer order, then row-major) until k are kept: deterministic, never
 * more or fewer. NaN among the survivors is an error naming the layer.
 */
export function topKAmongSurvivors(scores: readonly Tensor[], support: readonly Tensor[] | null, k: number,
  names: readonly string[] = []): TopK {
  return tidy(() => {
    const kept = support ? support.map(asBool) : null;
    const survivors = kept
      ? cat(scores.map((score, index) => score.maskedSelect(kept[index])))
      : cat(scores.map((score) => score.flatten()));
    const count = survivors.numel;
    if (!Number.isInteger(k) || k < 0 || k > count) throw new RangeError(`top-k: k must be in [0, ${count}] (the survivors), got ${k}`);
    if (Number.isNaN(survivors.sum().item())) checkNaN(scores, kept, names);
    let flat: Tensor;
    if (k === count) {
      flat = kept ? cat(kept.map((mask) => mask.flatten())) : ones([count], { dtype: 'bool' });
    } else if (k === 0) {
      flat = ones([scores.reduce((sum, score) => sum + score.numel, 0)], { dtype: 'bool' }).logicalNot();
    } else {
      const threshold = survivors.kthvalue(count - k + 1).values.item();
      const above = (score: Tensor, index: number) => (kept ? score.gt(threshold).logicalAnd(kept[index]) : score.gt(threshold));
      flat = cat(scores.map((score, index) => above(score, index).flatten()));
      const needed = k - flat.sum().item();
      if (needed > 0) {
        const tied = cat(scores.map((score, index) => {
          const equal = score.eq(threshold);
          return (kept ? equal.logicalAnd(kept[index]) : equal).flatten();
        }));
        const first = tied.nonzero().flatten().narrow(0, 0, needed);
        flat = flat.scatter(0, first, ones([needed], { dtype: 'bool' }));
      }
    }
    return { flat, masks: splitLike(flat, scores) };
  });
}

/** Bool masks keeping exactly the k largest entries over all tensors (ties in flat order). */
export function topKMasks(scores: readonly Tensor[], k: number): Tensor[] {
  return tidy(() => topKAmongSurvivors(scores, null, k).masks);
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
