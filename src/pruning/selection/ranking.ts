// Shared pieces of every selection: validated scores in which pruned weights rank below every surviving one, the
// wanted keep counts, and exact top-k.
import { Tensor, cat, noGrad, ones, tidy, zeros } from '../../torch/index.js';
import { keepCount } from '../density.js';
import type { SelectionRequest } from './types.js';

/**
 * Scores ready for ranking: NaN is an error naming the layer; -∞ becomes the lowest finite double, and weights
 * outside the support become -∞, so a pruned weight never outranks a surviving one.
 */
export function rankableScores(request: SelectionRequest): Tensor[] {
  return noGrad(() => request.scores.map((score, index) => tidy(() => {
    const nan = score.isnan().sum().item();
    if (nan > 0) {
      throw new RangeError(`scores of '${request.names[index]}' contain ${nan} NaN values; the scorer failed numerically`);
    }
    return score.to('float64').clamp(-Number.MAX_VALUE, null).maskedFill_(request.support[index].eq(0), -Infinity);
  })));
}

export const survivorCount = (support: Tensor): number => tidy(() => support.ne(0).sum().item());

/** Kept weights wanted per layer (local) or overall (global), never more than the survivors. */
export function globalKeepCount(request: SelectionRequest): number {
  const total = request.support.reduce((sum, mask) => sum + mask.numel, 0);
  const survivors = request.support.reduce((sum, mask) => sum + survivorCount(mask), 0);
  return Math.min(survivors, keepCount(request.density, total));
}
export function localKeepCounts(request: SelectionRequest): number[] {
  return request.support.map((mask) => Math.min(survivorCount(mask), keepCount(request.density, mask.numel)));
}

/**
 * 0/1 float32 masks keeping exactly the k largest entries over all tensors. Entries equal to the k-th largest
 * value are taken in flat order (layer order, then row-major) until k are kept: deterministic, never more or less.
 */
export function topKMasks(ranked: readonly Tensor[], k: number): Tensor[] {
  return tidy(() => {
    const flat = ranked.length === 1 ? ranked[0].flatten() : cat(ranked.map((tensor) => tensor.flatten()));
    const total = flat.numel;
    if (!Number.isInteger(k) || k < 0 || k > total) throw new RangeError(`top-k: k must be in [0, ${total}], got ${k}`);
    let keep: Tensor;
    if (k === 0) keep = zeros([total]);
    else if (k === total) keep = ones([total]);
    else {
      const threshold = flat.kthvalue(total - k + 1).values.item();
      const above = flat.gt(threshold);
      const needed = k - above.sum().item();
      keep = above.to('float32');
      if (needed > 0) {
        const tied = flat.eq(threshold).nonzero().flatten().narrow(0, 0, needed);
        keep = keep.scatter(0, tied, ones([needed]));
      }
    }
    return splitLike(keep, ranked);
  });
}

/** Cuts a flat tensor back into pieces shaped like `like`. */
export function splitLike(flat: Tensor, like: readonly Tensor[]): Tensor[] {
  let offset = 0;
  return like.map((tensor) => {
    const piece = flat.narrow(0, offset, tensor.numel).reshape(tensor.shape);
    offset += tensor.numel;
    return piece;
  });
}
