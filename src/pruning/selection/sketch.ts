// Algorithm 1 as a selection: s draws with replacement from p ∝ max(score, 0) over the surviving weights, mask
// value count_i/(s·p_i) (so E[m_i] = 1). s is the wanted keep count; repeated draws make the kept count ≤ s,
// and the outcome reports s. Global scope draws over all layers at once, local scope per layer. If every surviving
// score is ≤ 0, p is uniform over the survivors. libtorch's multinomial takes at most 2^24 categories, so longer
// vectors are drawn in two stages (chunk counts, then Algorithm 1 inside each chunk), which is the same law.
import { Tensor, cat, tidy, where, zeros, type Device } from '../../torch/index.js';
import { drawSketchIndices, sketchMask } from '../../sketch/algorithm1.js';
import { asBool, checkNaN, globalKeepCount, localKeepCounts, splitLike } from './ranking.js';
import type { SelectionEntry, SelectionOutcome, SelectionRequest } from './types.js';

const MULTINOMIAL_LIMIT = 2 ** 24;

/**
 * Algorithm 1's mask (float64, flat) for non-negative weights `p` (normalized here) and s draws; vectors longer
 * than `chunkSize` go through the two-stage draw.
 */
export function algorithm1Mask(p: Tensor, s: number, chunkSize = MULTINOMIAL_LIMIT): Tensor {
  return tidy(() => {
    const total = p.sum().item();
    if (!(total > 0)) throw new RangeError('Algorithm 1 needs some positive probability mass');
    if (p.numel <= chunkSize) return sketchMask(p, s).mask;
    const chunks: Tensor[] = [];
    for (let start = 0; start < p.numel; start += chunkSize) {
      chunks.push(p.narrow(0, start, Math.min(chunkSize, p.numel - start)));
    }
    const masses = chunks.map((chunk) => chunk.sum().item());
    const perChunk = drawSketchIndices(cat(chunks.map((chunk) => chunk.sum().reshape([1]))), s)
      .bincount(null, chunks.length).toArray();
    return cat(chunks.map((chunk, index) => {
      const draws = perChunk[index];
      if (draws === 0) return chunk.mul(0);
      // inside the chunk m = count/(draws·p_i/P_c); rescale to count/(s·p_i/total)
      return sketchMask(chunk, draws).mask.mul((draws * total) / (s * masses[index]));
    }));
  });
}

/** Sampling weights: max(score, 0) on survivors, or uniform on the survivors if none is positive. */
function weightsFor(score: Tensor, support: Tensor): Tensor {
  return tidy(() => {
    const kept = asBool(support);
    const positive = where(score.gt(0).logicalAnd(kept), score.to('float64'), 0);
    return positive.sum().item() > 0 ? positive : kept.to('float64');
  });
}

export function sketchSelect(request: SelectionRequest): SelectionOutcome {
  return tidy(() => {
    const { scores, support } = request;
    checkNaN(scores, support, request.names);
    if (request.scope === 'global') {
      const s = globalKeepCount(request);
      if (s === 0) return { masks: scores.map((score) => zeros(score.shape, { device: score.device as Device })), kept: 0, budget: 0 };
      const flat = weightsFor(cat(scores.map((score) => score.flatten())), cat(support.map((mask) => mask.flatten())));
      return { masks: splitLike(algorithm1Mask(flat, s).to('float32'), scores), budget: s };
    }
    const counts = localKeepCounts(request);
    return {
      masks: scores.map((score, index) => counts[index] === 0 ? zeros(score.shape, { device: score.device as Device })
        : algorithm1Mask(weightsFor(score.flatten(), support[index].flatten()), counts[index]).to('float32').view(score.shape)),
      budget: counts.reduce((sum, count) => sum + count, 0),
    };
  });
}

export const sketch: SelectionEntry = {
  name: 'sketch', describe: "Algorithm 1: s draws with replacement ∝ score, scaled values 1/(s·p_i); kept count ≤ s",
  select: sketchSelect,
};
