// The paper's mask randomization (Section 8): (1) the threshold for the wanted density, (2) how many weights it
// keeps in each layer, (3) in each layer exactly that many weights drawn at random without replacement with
// probability proportional to the scores. Negative scores (GraSP) weigh 0. Drawing uses exponential keys
// (Efraimidis & Spirakis 2006): keeping the k largest log(w) − log(E), E ~ Exp(1), is exactly k successive draws
// ∝ w without replacement. Survivors of weight 0 rank below every positive one in random order, so a layer with
// fewer positive scores than its count is filled with zero-score weights at random.
import { Tensor, ones, rand, tidy, where, zeros, type Device } from '../../torch/index.js';
import { asBool, checkNaN, globalKeepCount, localKeepCounts, topKAmongSurvivors } from './ranking.js';
import type { SelectionEntry, SelectionOutcome, SelectionRequest } from './types.js';

/** A bool mask of exactly k entries drawn without replacement ∝ max(score, 0) among eligible ones. */
export function sampleWithoutReplacement(score: Tensor, eligible: Tensor, k: number): Tensor {
  return tidy(() => {
    const flat = score.flatten().to('float64');
    const allowed = asBool(eligible).flatten();
    const device = score.device as Device;
    if (k === 0) return zeros(score.shape, { dtype: 'bool', device });
    const positive = flat.gt(0).logicalAnd(allowed);
    const uniform = rand([flat.numel], { dtype: 'float64', device });
    const exponential = uniform.rsub(1).log().neg(); // -log(1-U) ~ Exp(1)
    const positiveKey = where(positive, flat, 1).log().sub(exponential.log());
    const zeroKey = uniform.rsub(2).mul(-1e300); // (-2e300, -1e300]: below any positive key, random order
    const keys = where(positive, positiveKey, where(allowed, zeroKey, -Infinity));
    const chosen = keys.topk(k, 0, true, false).indices;
    return zeros([flat.numel], { dtype: 'bool', device }).scatter(0, chosen, ones([k], { dtype: 'bool', device })).view(score.shape);
  });
}

export function sketchRandomSelect(request: SelectionRequest): SelectionOutcome {
  return tidy(() => {
    const counts = request.scope === 'global'
      ? topKAmongSurvivors(request.scores, request.support, globalKeepCount(request), request.names, request.layerSurvivors).counts
      : (checkNaN(request.scores, request.support, request.names), localKeepCounts(request));
    return {
      masks: request.scores.map((score, index) => sampleWithoutReplacement(score, request.support[index], counts[index])),
      counts, kept: counts.reduce((sum, count) => sum + count, 0),
    };
  });
}
export const sketchRandom: SelectionEntry = {
  name: 'sketch-random',
  describe: 'per-layer counts from the threshold, then that many weights per layer drawn ∝ score without replacement',
  select: sketchRandomSelect,
};
