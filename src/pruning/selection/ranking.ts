// Shared pieces of every selection: the wanted keep counts and exact top-k among the surviving weights. Weights
// outside the support are never looked at, so a pruned weight can never come back whatever its score.
import { Tensor, cat, ones, stack, survivorTopK, tidy, where, zeros, type Device } from '../../torch/index.js';
import { keepCount } from '../density.js';
import type { KeepRule, SelectionRequest } from './types.js';

/** A 0/1 mask as a bool tensor (no copy when it is one already). */
export const asBool = (mask: Tensor): Tensor => (mask.dtype === 'bool' ? mask : mask.ne(0));

/** Creation options' device for a tensor's device. */
const on = (tensor: Tensor): Device => tensor.device as Device;

/** Sums of several tensors read back at once (one device synchronization instead of one per tensor). */
export function sums(tensors: readonly Tensor[]): number[] {
  if (tensors.length === 0) return [];
  return tidy(() => stack(tensors.map((tensor) => tensor.sum().to('float64'))).toArray());
}

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

/** Survivor counts above which the threshold is bracketed from a sample instead of one kthvalue over all. */
const BRACKET_ABOVE = 1 << 20;
const SAMPLE_SIZE = 1 << 16;

/**
 * Exactly the k largest scores among the surviving weights (all weights when support is null). Scores equal to
 * the k-th largest are taken in flat order (layer order, then row-major) until k are kept: deterministic, never
 * more or fewer. NaN among the survivors is an error naming the layer.
 *
 * On the CPU this is one native pass (torch's survivorTopK). Elsewhere, with many survivors, a strided sample of
 * the survivors brackets the k-th largest value in [lo, hi]; one pass per layer counts the survivors above hi and
 * collects the few inside [lo, hi], whose own k-th largest is the threshold. Exact whatever the sample (a bracket
 * that misses falls back to one kthvalue over all survivors), and with no per-iteration copy of all scores:
 * kthvalue over tens of millions of values costs far more than a few comparisons.
 */
export function topKAmongSurvivors(scores: readonly Tensor[], support: readonly Tensor[] | null, k: number,
  names: readonly string[] = [], knownSurvivors?: readonly number[]): TopK {
  return tidy(() => {
    const kept = support ? support.map(asBool) : null;
    const layerSurvivors = knownSurvivors ? [...knownSurvivors]
      : kept ? sums(kept) : scores.map((score) => score.numel);
    const count = layerSurvivors.reduce((sum, n) => sum + n, 0);
    if (!Number.isInteger(k) || k < 0 || k > count) throw new RangeError(`top-k: k must be in [0, ${count}] (the survivors), got ${k}`);
    if (k > 0 && k < count && [...scores, ...(kept ?? [])].every((tensor) => tensor.device === 'cpu')) {
      const { masks, counts, nan } = survivorTopK(scores, kept, k, kept && knownSurvivors ? count : undefined);
      if (nan) throw nanError(names, nan.index, nan.count);
      return { masks, counts };
    }
    if (sums(scores).some(Number.isNaN)) checkNaN(scores, kept, names);
    const among = (mask: Tensor, index: number): Tensor => (kept ? mask.logicalAnd(kept[index]) : mask);
    if (k === count) {
      return { masks: scores.map((score, index) => kept ? kept[index].clone() : ones(score.shape, { dtype: 'bool', device: on(score) })), counts: layerSurvivors };
    }
    if (k === 0) return { masks: scores.map((score) => zeros(score.shape, { dtype: 'bool', device: on(score) })), counts: scores.map(() => 0) };
    const band = count > BRACKET_ABOVE ? bracketThreshold(scores, kept, layerSurvivors, k) : null;
    // masks: survivors strictly above the threshold; then survivors equal to it, in flat order, until k are kept
    let threshold: number;
    let masks: Tensor[];
    let counts: number[];
    if (band) {
      threshold = band.threshold;
      counts = [...band.aboveCounts];
      masks = band.above.map((mask, index) => {
        const inside = band.positions[index];
        if (inside.numel === 0) return mask;
        const over = inside.maskedSelect(band.values[index].gt(threshold));
        counts[index] += over.numel;
        return over.numel === 0 ? mask : mask.flatten().scatter(0, over, ones([over.numel], { dtype: 'bool', device: on(mask) })).view(mask.shape);
      });
    } else {
      const survivors = cat(scores.map((score, index) => (kept ? score.maskedSelect(kept[index]) : score.flatten())));
      threshold = survivors.kthvalue(count - k + 1).values.item();
      masks = scores.map((score, index) => among(score.gt(threshold), index));
      counts = sums(masks);
    }
    let needed = k - counts.reduce((sum, n) => sum + n, 0);
    masks = masks.map((mask, index) => {
      if (needed <= 0) return mask;
      const tied = band
        ? band.positions[index].maskedSelect(band.values[index].eq(threshold))
        : among(scores[index].eq(threshold), index).flatten().nonzero().flatten();
      if (tied.numel === 0) return mask;
      const take = Math.min(needed, tied.numel);
      needed -= take;
      counts[index] += take;
      return mask.flatten().scatter(0, tied.narrow(0, 0, take), ones([take], { dtype: 'bool', device: on(mask) })).view(mask.shape);
    });
    return { masks, counts };
  });
}

interface Bracket {
  threshold: number;
  /** Per layer: kept weights above the bracket, and the flat positions and scores of those inside it. */
  above: Tensor[];
  aboveCounts: number[];
  positions: Tensor[];
  values: Tensor[];
}

/** The k-th largest survivor score found through a bracket [lo, hi] from a strided sample; null if it missed. */
function bracketThreshold(scores: readonly Tensor[], kept: Tensor[] | null, layerSurvivors: number[], k: number): Bracket | null {
  const total = scores.reduce((sum, score) => sum + score.numel, 0);
  const stride = Math.max(1, Math.floor(total / SAMPLE_SIZE));
  const sample = cat(scores.map((score, index) => {
    const picked = score.flatten().slice(0, 0, null, stride);
    return kept ? picked.maskedSelect(kept[index].flatten().slice(0, 0, null, stride)) : picked;
  }));
  const m = sample.numel;
  const count = layerSurvivors.reduce((sum, n) => sum + n, 0);
  if (m < 64) return null;
  // rank of the threshold from the top in the sample, with a margin of 6 binomial standard deviations
  const fraction = k / count;
  const center = fraction * m;
  const margin = 6 * Math.sqrt(m * fraction * (1 - fraction)) + 8;
  const sorted = sample.sort(0, true).values;
  const at = (rank: number): number => sorted.select(0, Math.min(m - 1, Math.max(0, Math.round(rank)))).item();
  const hi = center - margin <= 0 ? Infinity : at(center - margin);
  const lo = center + margin >= m - 1 ? -Infinity : at(center + margin);
  const above: Tensor[] = [];
  const aboveCounts: number[] = [];
  const positions: Tensor[] = [];
  const values: Tensor[] = [];
  scores.forEach((score, index) => {
    // two comparisons per score: above hi, and at least lo; inside = at least lo and not above hi
    const over = score.gt(hi);
    const inside = score.ge(lo).logicalAnd(over.logicalNot());
    const mask = kept ? over.logicalAnd(kept[index]) : over;
    const at = (kept ? inside.logicalAnd(kept[index]) : inside).flatten().nonzero().flatten();
    above.push(mask);
    positions.push(at);
    values.push(score.flatten().indexSelect(0, at));
  });
  aboveCounts.push(...sums(above));
  const aboveCount = aboveCounts.reduce((sum, n) => sum + n, 0);
  const insideCount = values.reduce((sum, v) => sum + v.numel, 0);
  const rank = k - aboveCount; // rank from the top inside the bracket
  if (rank < 1 || rank > insideCount) return null;
  const threshold = cat(values).kthvalue(insideCount - rank + 1).values.item();
  return { threshold, above, aboveCounts, positions, values };
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
