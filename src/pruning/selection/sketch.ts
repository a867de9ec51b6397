// Algorithm 1 as a selection: s draws with replacement from p ∝ max(score, 0) over the surviving weights, mask
// value count_i/(s·p_i) (so E[m_i] = 1). s is the wanted keep count; repeated draws make the kept count ≤ s,
// and the outcome reports s. Global scope draws over all layers at once, local scope per layer. If every surviving
// score is ≤ 0, p is uniform over the survivors. libtorch's multinomial takes at most 2^24 categories, so longer
// vectors are drawn in two stages (chunk counts, then Algorithm 1 inside each chunk), which is the same law.
import { Tensor, cat, tidy, where } from '../../torch/index.js';
import { drawSketchIndices, sketchMask } from '../../sketch/index.js';
import { globalKeepCount, localKeepCounts, rankableScores, splitLike } from './ranking.js';
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

/** Sampling weights for one group of layers: max(score, 0) on survivors, or uniform on survivors if all ≤ 0. */
function weightsFor(ranked: Tensor): Tensor {
  return tidy(() => {
    const positive = where(ranked.gt(0), ranked, 0);
    return positive.sum().item() > 0 ? positive : ranked.gt(-Infinity).to('float64');
  });
}

export function sketchSelect(request: SelectionRequest): SelectionOutcome {
  return tidy(() => {
    const ranked = rankableScores(request);
    if (request.scope === 'global') {
      const s = globalKeepCount(request);
      const flat = weightsFor(cat(ranked.map((score) => score.flatten())));
      return { masks: splitLike(algorithm1Mask(flat, s).to('float32'), ranked), budget: s };
    }
    const counts = localKeepCounts(request);
    return {
      masks: ranked.map((score, index) => counts[index] === 0 ? score.mul(0).to('float32')
        : algorithm1Mask(weightsFor(score.flatten()), counts[index]).to('float32').reshape(score.shape)),
      budget: counts.reduce((sum, count) => sum + count, 0),
    };
  });
}

export const sketch: SelectionEntry = {
  name: 'sketch', describe: "Algorithm 1: s draws with replacement ∝ score, scaled values 1/(s·p_i); kept count ≤ s",
  select: sketchSelect,
};
