// The paper's mask randomization (Section 8): (1) the threshold for the wanted density, (2) how many weights it
// keeps in each layer, (3) in each layer exactly that many weights drawn at random without replacement with
// probability proportional to the scores. Negative scores (GraSP) weigh 0. Drawing uses exponential keys
// (Efraimidis & Spirakis 2006): keeping the k smallest E/w, E ~ Exp(1), is exactly k successive draws ∝ w without
// replacement; on the CPU one native pass computes the keys and a per-layer k-th selection finds the k smallest
// (native/sampling.cc), with the seed drawn from libtorch's generator. Survivors of weight 0 rank after every
// positive one in random order, so a layer with fewer positive scores than its count is filled with zero-score
// weights at random. The paper leaves open whether
// the draws are with replacement and whether kept weights carry Algorithm 1's scaled values; both readings are
// options (RandomMaskOptions), the default being without replacement and 0/1 values. Where in an iterative
// schedule the randomization acts (every iteration or the last) is prune()'s selectionAt.
import { Tensor, ones, rand, tidy, weightedSampleMasks, where, zeros, type Device } from '../../torch/index.js';
import { asBool, checkNaN, globalKeepCount, localKeepCounts, sums, synapticFlowMasks, topKAmongSurvivors } from './ranking.js';
import { algorithm1Mask } from './sketch.js';
import type { RandomMaskOptions, SelectionEntry, SelectionOutcome, SelectionRequest } from './types.js';

/**
 * Per layer, a bool mask of exactly counts[i] eligible entries drawn without replacement ∝ max(score, 0). On the CPU
 * one native pass (weightedSampleMasks: the same exponential keys with a per-layer k-th selection, no sort);
 * elsewhere the keys are tensors and each layer takes a top-k.
 */
export function sampleLayers(scores: readonly Tensor[], eligible: readonly Tensor[], counts: readonly number[]): Tensor[] {
  return tidy(() => {
    const allowed = eligible.map(asBool);
    const onCpu = [...scores, ...allowed].every((tensor) => tensor.device === 'cpu');
    if (!onCpu) return scores.map((score, index) => sampleWithKeyTensors(score, allowed[index], counts[index]));
    const dtype = scores.every((score) => score.dtype === 'float32') ? 'float32' : 'float64';
    return weightedSampleMasks(scores.map((score) => score.to(dtype)), allowed, counts);
  });
}

/** A bool mask of exactly k entries drawn without replacement ∝ max(score, 0) among eligible ones. */
export function sampleWithoutReplacement(score: Tensor, eligible: Tensor, k: number): Tensor {
  return sampleLayers([score], [eligible], [k])[0];
}

/** sampleWithoutReplacement through tensor ops (non-CPU devices): keys log(w) − log(E) and a top-k. */
function sampleWithKeyTensors(score: Tensor, allowed: Tensor, k: number): Tensor {
  return tidy(() => {
    const flat = score.flatten().to('float64');
    const device = score.device as Device;
    if (k === 0) return zeros(score.shape, { dtype: 'bool', device });
    const positive = flat.gt(0).logicalAnd(allowed.flatten());
    const uniform = rand([flat.numel], { dtype: 'float64', device });
    const exponential = uniform.rsub(1).log().neg(); // -log(1-U) ~ Exp(1)
    const positiveKey = where(positive, flat, 1).log().sub(exponential.log());
    const zeroKey = uniform.rsub(2).mul(-1e300); // (-2e300, -1e300]: below any positive key, random order
    const keys = where(positive, positiveKey, where(allowed.flatten(), zeroKey, -Infinity));
    const chosen = keys.topk(k, 0, true, false).indices;
    return zeros([flat.numel], { dtype: 'bool', device }).scatter(0, chosen, ones([k], { dtype: 'bool', device })).view(score.shape);
  });
}

/** Per-layer probabilities of the draws: max(score, 0) on the eligible weights, normalized (uniform if none > 0). */
function layerProbabilities(score: Tensor, eligible: Tensor): Tensor {
  return tidy(() => {
    const allowed = asBool(eligible).flatten();
    const positive = where(score.flatten().gt(0).logicalAnd(allowed), score.flatten().to('float64'), 0);
    const weights = positive.sum().item() > 0 ? positive : allowed.to('float64');
    return weights.div(weights.sum());
  });
}

/**
 * One layer's randomized mask for count c: bool (binary) or float32 (scaled). With replacement: c i.i.d. draws ∝
 * the layer's probabilities p (Algorithm 1 inside the layer); without: exactly c distinct weights. Scaled values are
 * Algorithm 1's (draws of i)/(c·p_i); a kept weight with p_i = 0 (drawn only to fill the count) carries 1.
 */
export function layerRandomMask(score: Tensor, eligible: Tensor, count: number, options: RandomMaskOptions = {}): Tensor {
  const scaled = (options.values ?? 'binary') === 'scaled';
  return tidy(() => {
    const device = score.device as Device;
    if (count === 0) return scaled ? zeros(score.shape, { device }) : zeros(score.shape, { dtype: 'bool', device });
    if (options.replacement) {
      const mask = algorithm1Mask(layerProbabilities(score, eligible), count).view(score.shape);
      return scaled ? mask.to('float32') : mask.gt(0);
    }
    return scaled ? scaledValues(sampleWithoutReplacement(score, eligible, count), score, eligible, count)
      : sampleWithoutReplacement(score, eligible, count);
  });
}

/** Algorithm 1's values 1/(c·p_i) on the drawn weights (1 where p_i = 0), 0 elsewhere, as float32. */
function scaledValues(chosen: Tensor, score: Tensor, eligible: Tensor, count: number): Tensor {
  return tidy(() => {
    const p = layerProbabilities(score, eligible).view(score.shape);
    const value = where(p.gt(0), p.mul(count).reciprocal(), 1);
    return where(chosen, value, 0).to('float32');
  });
}

export function sketchRandomSelect(request: SelectionRequest): SelectionOutcome {
  return tidy(() => {
    const counts = request.scope === 'global'
      ? (request.rule === 'synaptic-flow' && request.keep === undefined
        ? synapticFlowMasks(request.scores, request.support, request.density, request.names, request.layerSurvivors).counts
        : topKAmongSurvivors(request.scores, request.support, globalKeepCount(request), request.names, request.layerSurvivors).counts)
      : (checkNaN(request.scores, request.support, request.names), localKeepCounts(request));
    const options = request.randomMask ?? {};
    if (!options.replacement) {
      // all layers in one native call (threads across layers and pieces); counts 0 give empty masks
      const chosen = sampleLayers(request.scores, request.support, counts);
      const masks = (options.values ?? 'binary') === 'scaled'
        ? chosen.map((mask, index) => scaledValues(mask, request.scores[index], request.support[index], counts[index]))
        : chosen;
      return { masks, counts, kept: counts.reduce((sum, count) => sum + count, 0) };
    }
    const masks = request.scores.map((score, index) => layerRandomMask(score, request.support[index], counts[index], options));
    // with replacement repeated draws keep fewer than the counts: report what was kept
    const keptCounts = sums(masks.map((mask) => mask.ne(0)));
    return { masks, counts: keptCounts, kept: keptCounts.reduce((sum, count) => sum + count, 0), budget: counts.reduce((a, b) => a + b, 0) };
  });
}
export const sketchRandom: SelectionEntry = {
  name: 'sketch-random',
  describe: 'per-layer counts from the threshold, then that many weights per layer drawn ∝ score (default: without replacement, 0/1 values)',
  select: sketchRandomSelect,
};
