// Native kernels for pruning's bookkeeping over all weights (native/selection.cc), where a composition of ATen ops
// costs many passes over memory. CPU tensors only: callers keep an ATen path for other devices.
import { native } from './native.js';
import { Tensor, handleOf, wrap } from './tensor.js';

export interface SurvivorTopK {
  /** bool masks shaped like the scores (true = among the k largest); empty when NaN was found. */
  masks: Tensor[];
  /** Kept entries per tensor. */
  counts: number[];
  /** The first tensor with NaN among its surviving scores, and how many; null when there is none. */
  nan: { index: number; count: number } | null;
}

/**
 * Exactly the k largest scores among the entries whose support is true (all entries when support is null), over
 * several float32/float64 CPU tensors taken as one list; scores equal to the k-th largest are taken in flat order
 * (tensor order, then row-major). One pass over the scores for typical inputs (a strided sample brackets the
 * threshold). k must lie in [0, survivors]. `survivors`, when given, must be the exact number of true support
 * entries (the pruning loop keeps it): it spares a pass over the support.
 */
export function survivorTopK(scores: readonly Tensor[], support: readonly Tensor[] | null, k: number,
  survivors?: number): SurvivorTopK {
  const [masks, counts, nanIndex, nanCount] = native.survivorTopK(scores.map(handleOf), support ? support.map(handleOf) : null, k,
    survivors ?? null);
  return { masks: masks.map(wrap), counts, nan: nanIndex < 0 ? null : { index: nanIndex, count: nanCount } };
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
 * Copies each `next` bool mask into its `current` one, in place, and returns the entries that were true and are now
 * false (new bool tensors), in one pass: contiguous bool CPU masks of equal size.
 */
export function replaceMasks_(current: readonly Tensor[], next: readonly Tensor[]): Tensor[] {
  return native.replaceMasks_(current.map(handleOf), next.map(handleOf)).map(wrap);
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
