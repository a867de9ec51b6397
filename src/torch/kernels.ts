// Kernels for pruning's bookkeeping over all weights, where a composition of ATen ops costs many passes over
// memory. Each has two implementations: the native loops (native/selection.cc) for CPU tensors, and a composition
// of ATen ops for every other device. This module alone chooses between them (kernelPath): callers never branch
// on the device, and tests force the ATen path on the CPU to compare the two.
import { noGrad } from './autograd.js';
import { cat, ones, stack, zeros } from './creation.js';
import type { Device } from './dtype.js';
import { native } from './native.js';
import { tidy } from './scope.js';
import { Tensor, handleOf, wrap } from './tensor.js';

/** 'native': the addon's loops (CPU tensors only); 'aten': composed ATen ops (any device). */
export type KernelPath = 'native' | 'aten';

/**
 * The implementation for these tensors: the one asked for, else SKETCHPRUNE_KERNELS=aten|native from the
 * environment, else native when every tensor is on the CPU (and `nativeDtypes`, when given, lists its dtype).
 */
export function kernelPath(tensors: readonly Tensor[], asked?: KernelPath, nativeDtypes?: readonly string[]): KernelPath {
  const wanted = asked ?? process.env.SKETCHPRUNE_KERNELS;
  if (wanted === 'native' || wanted === 'aten') return wanted;
  if (wanted !== undefined && wanted !== '') throw new RangeError(`SKETCHPRUNE_KERNELS must be 'native' or 'aten', got '${wanted}'`);
  const fits = (tensor: Tensor): boolean => tensor.device === 'cpu' && (!nativeDtypes || tensor.dtype === 'bool' || nativeDtypes.includes(tensor.dtype));
  return tensors.every(fits) ? 'native' : 'aten';
}

/** Sums of several tensors read back at once (one device synchronization instead of one per tensor). */
export function sums(tensors: readonly Tensor[]): number[] {
  if (tensors.length === 0) return [];
  return tidy(() => stack(tensors.map((tensor) => tensor.sum().to('float64'))).toArray());
}

export interface SurvivorTopK {
  /** bool masks shaped like the scores (true = among the k largest); empty when NaN was found. */
  masks: Tensor[];
  /** Kept entries per tensor. */
  counts: number[];
  /** The first tensor with NaN among its surviving scores, and how many; null when there is none. */
  nan: { index: number; count: number } | null;
}

export interface TopKOptions {
  /** The exact number of true support entries, when the caller knows it (the pruning loop does): spares a pass. */
  survivors?: number;
  /** Force an implementation (tests); by default kernelPath's choice. */
  path?: KernelPath;
}

/**
 * Exactly the k largest scores among the entries whose support is true (all entries when support is null), over
 * several tensors taken as one list; scores equal to the k-th largest are taken in flat order (tensor order, then
 * row-major). k must lie in [0, survivors]. Both implementations give the same masks: on the CPU (float32/float64)
 * one native pass over the scores, where a strided sample brackets the threshold; elsewhere the same bracket from
 * ATen ops.
 */
export function survivorTopK(scores: readonly Tensor[], support: readonly Tensor[] | null, k: number,
  options: TopKOptions = {}): SurvivorTopK {
  if (scores.length === 0) throw new RangeError('survivorTopK: no score tensors');
  if (support && support.length !== scores.length) {
    throw new RangeError(`survivorTopK: ${support.length} support tensors for ${scores.length} score tensors`);
  }
  const path = kernelPath(support ? [...scores, ...support] : scores, options.path, ['float32', 'float64']);
  if (path === 'native') {
    const [masks, counts, nanIndex, nanCount] = native.survivorTopK(scores.map(handleOf), support ? support.map(handleOf) : null,
      k, options.survivors ?? null);
    return { masks: masks.map(wrap), counts, nan: nanIndex < 0 ? null : { index: nanIndex, count: nanCount } };
  }
  return atenTopK(scores, support, k, options.survivors);
}

/** Survivor counts at which the ATen path brackets the threshold from a sample (as the native kernel does). */
const BRACKET_ABOVE = 1 << 16;
const SAMPLE_SIZE = 1 << 16;
const SAMPLE_EVERY = 16;

const on = (tensor: Tensor): Device => tensor.device as Device;

function atenTopK(scores: readonly Tensor[], support: readonly Tensor[] | null, k: number, survivors?: number): SurvivorTopK {
  return tidy(() => {
    support?.forEach((mask, index) => {
      if (mask.dtype !== 'bool' || mask.numel !== scores[index].numel) {
        throw new RangeError(`survivorTopK: support ${index} must be a bool tensor of ${scores[index].numel} entries`);
      }
    });
    const kept = support ? support.map((mask, index) => mask.view(scores[index].shape)) : null;
    const count = survivors ?? (kept ? sums(kept).reduce((sum, n) => sum + n, 0) : scores.reduce((sum, score) => sum + score.numel, 0));
    if (!Number.isInteger(k) || k < 0 || k > count) throw new RangeError(`top-k: k must be in [0, ${count}] (the survivors), got ${k}`);
    if (sums(scores).some(Number.isNaN)) {
      const nans = sums(scores.map((score, index) => (kept ? score.isnan().logicalAnd(kept[index]) : score.isnan())));
      const index = nans.findIndex((n) => n > 0);
      if (index >= 0) return { masks: [], counts: [], nan: { index, count: nans[index] } };
    }
    const among = (mask: Tensor, index: number): Tensor => (kept ? mask.logicalAnd(kept[index]) : mask);
    if (k === 0) return { masks: scores.map((score) => zeros(score.shape, { dtype: 'bool', device: on(score) })), counts: scores.map(() => 0), nan: null };
    if (k === count) {
      const masks = scores.map((score, index) => (kept ? kept[index].clone() : ones(score.shape, { dtype: 'bool', device: on(score) })));
      return { masks, counts: kept ? sums(masks) : scores.map((score) => score.numel), nan: null };
    }
    const total = scores.reduce((sum, score) => sum + score.numel, 0);
    const band = total > BRACKET_ABOVE ? bracketThreshold(scores, kept, count, k) : null;
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
      const values = cat(scores.map((score, index) => (kept ? score.maskedSelect(kept[index]) : score.flatten())));
      threshold = values.kthvalue(count - k + 1).values.item();
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
    return { masks, counts, nan: null };
  });
}

interface Bracket {
  threshold: number;
  /** Per layer: kept entries above the bracket, and the flat positions and scores of those inside it. */
  above: Tensor[];
  aboveCounts: number[];
  positions: Tensor[];
  values: Tensor[];
}

/**
 * The k-th largest survivor score found through a bracket [lo, hi] from a strided sample of the flat index space
 * (every stride-th entry, as the native kernel takes it) with a margin of 4.5 binomial standard deviations; null
 * when the bracket missed (then one kthvalue over all survivors decides).
 */
function bracketThreshold(scores: readonly Tensor[], kept: Tensor[] | null, count: number, k: number): Bracket | null {
  const total = scores.reduce((sum, score) => sum + score.numel, 0);
  const stride = Math.max(SAMPLE_EVERY, Math.floor(total / SAMPLE_SIZE));
  let start = 0;
  const sample = cat(scores.map((score, index) => {
    const first = (stride - (start % stride)) % stride;
    start += score.numel;
    const picked = score.flatten().slice(0, first, null, stride);
    const valid = picked.isnan().logicalNot();
    return picked.maskedSelect(kept ? valid.logicalAnd(kept[index].flatten().slice(0, first, null, stride)) : valid);
  }));
  const m = sample.numel;
  if (m < 64) return null;
  const fraction = k / count;
  const center = fraction * m;
  const margin = 4.5 * Math.sqrt(m * fraction * (1 - fraction)) + 8;
  const sorted = sample.sort(0, true).values;
  const at = (rank: number): number => sorted.select(0, Math.min(m - 1, Math.max(0, Math.round(rank)))).item();
  const hi = center - margin > 0 ? at(center - margin) : Infinity;
  const lo = center + margin < m - 1 ? at(center + margin) : -Infinity;
  const above: Tensor[] = [];
  const positions: Tensor[] = [];
  const values: Tensor[] = [];
  scores.forEach((score, index) => {
    const over = score.gt(hi);
    const inside = score.ge(lo).logicalAnd(over.logicalNot());
    const at = (kept ? inside.logicalAnd(kept[index]) : inside).flatten().nonzero().flatten();
    above.push(kept ? over.logicalAnd(kept[index]) : over);
    positions.push(at);
    values.push(score.flatten().indexSelect(0, at));
  });
  const aboveCounts = sums(above);
  const insideCount = values.reduce((sum, v) => sum + v.numel, 0);
  const rank = k - aboveCounts.reduce((sum, n) => sum + n, 0); // rank from the top inside the bracket
  if (rank < 1 || rank > insideCount) return null;
  const threshold = cat(values).kthvalue(insideCount - rank + 1).values.item();
  return { threshold, above, aboveCounts, positions, values };
}

/** tensors[i][masks[i]] = 0 in place, for CPU tensors and same-sized bool CPU masks. */
export function zeroWhere_(tensors: readonly Tensor[], masks: readonly Tensor[]): void {
  native.zeroWhere_(tensors.map(handleOf), masks.map(handleOf));
}

/** targets[i] = |targets[i] ⊙ others[i]| in place, in one pass, for float32/float64 CPU tensors (same shape per pair). */
export function absMul_(targets: readonly Tensor[], others: readonly Tensor[]): void {
  native.absMul_(targets.map(handleOf), others.map(handleOf));
}

/**
 * Copies each `next` bool mask into its `current` one (contiguous bool masks of equal size), in place, and returns
 * the entries that were true and are now false (new bool tensors). With `zero` (tensors of the masks' sizes, any
 * dtype): sets those entries of them to 0 instead, in the same pass, and returns no masks (the pruning loop's
 * support update and weight zeroing; the native pass reads a weight only in blocks where something was dropped).
 */
export function replaceMasks_(current: readonly Tensor[], next: readonly Tensor[], zero?: readonly Tensor[],
  path?: KernelPath): Tensor[] {
  if (kernelPath([...current, ...next, ...(zero ?? [])], path) === 'native') {
    return native.replaceMasks_(current.map(handleOf), next.map(handleOf), zero ? zero.map(handleOf) : null).map(wrap);
  }
  return tidy(() => {
    const dropped = next.map((mask, index) => current[index].logicalAnd(mask.view(current[index].shape).logicalNot()));
    current.forEach((mask, index) => mask.copy_(next[index].view(mask.shape)));
    if (!zero) return dropped;
    noGrad(() => zero.forEach((tensor, index) => tensor.maskedFill_(dropped[index].view(tensor.shape), 0)));
    return [];
  });
}

/**
 * Per tensor, a bool mask of exactly counts[i] entries whose support is true (every entry when support is null),
 * drawn without replacement with probability ∝ max(score, 0) (native/sampling.cc: Efraimidis–Spirakis keys with a
 * per-tensor k-th selection, no sort). Entries scoring ≤ 0 or NaN come after all positive ones, in uniformly random
 * order. float32/float64 CPU scores of one dtype, bool CPU support. The seed (a non-negative integer) fixes the
 * masks whatever the thread count; without one it is drawn from libtorch's default CPU generator (manualSeed).
 */
export function weightedSampleMasks(scores: readonly Tensor[], support: readonly Tensor[] | null, counts: readonly number[],
  seed?: number): Tensor[] {
  return native.weightedSampleMasks(scores.map(handleOf), support ? support.map(handleOf) : null, [...counts], seed ?? null).map(wrap);
}
