// The numbers behind the paper's figures, computed on plain arrays: kept initial weights (Figure 1a), a score
// sample with the kept flags (Figure 1b), and per-layer Frobenius norms of a mask's weights against random
// masks with the same per-layer keep counts (Figure 2a/2b).
import { Rng } from '../data/index.js';
import type { LayerNorm } from './analysis-file.js';

export interface LayerArrays {
  name: string;
  /** Initial (or rewind) weights, flattened. */
  weights: Float32Array;
  /** Mask values, flattened (non-zero = kept). */
  mask: Float32Array;
}

/** A seeded sample (without replacement) of at most `limit` of the kept weights' values, across all layers. */
export function keptWeightSample(layers: LayerArrays[], limit: number, seed: number): number[] {
  const kept: number[] = [];
  for (const { weights, mask } of layers) for (let i = 0; i < mask.length; i++) if (mask[i] !== 0) kept.push(weights[i]!);
  return sampleValues(kept, limit, new Rng(seed, 'analysis-kept-weights'));
}

/** Scores of `count` weights drawn uniformly (seeded) over all layers, and whether the mask kept each. */
export function scoreSample(scores: Float64Array[], masks: Float32Array[], count: number, seed: number): { scores: number[]; kept: boolean[] } {
  const total = scores.reduce((sum, s) => sum + s.length, 0);
  const rng = new Rng(seed, 'analysis-score-sample');
  const picks = partialShuffle(total, Math.min(count, total), rng).sort((a, b) => a - b);
  const out = { scores: [] as number[], kept: [] as boolean[] };
  let layer = 0;
  let offset = 0;
  for (const flat of picks) {
    while (flat >= offset + scores[layer]!.length) { offset += scores[layer]!.length; layer++; }
    out.scores.push(scores[layer]![flat - offset]!);
    out.kept.push(masks[layer]![flat - offset] !== 0);
  }
  return out;
}

/** ‖w ⊙ 1[m ≠ 0]‖_F per layer vs the mean over `trials` random masks keeping the same count in that layer. */
export function maskNorms(layers: LayerArrays[], trials: number, seed: number): LayerNorm[] {
  return layers.map(({ name, weights, mask }, j) => {
    const squares = Float64Array.from(weights, (w) => w * w);
    let ticket = 0;
    let kept = 0;
    for (let i = 0; i < mask.length; i++) if (mask[i] !== 0) { ticket += squares[i]!; kept++; }
    const random = randomNorms(squares, kept, trials, new Rng(seed, 'analysis-mask-norms', j));
    return { name, ticket: Math.sqrt(ticket), random: random.reduce((a, b) => a + b, 0) / Math.max(1, random.length), kept, total: mask.length };
  });
}

/** Norms of `trials` random masks per layer (same keep counts as the mask), with the mask's own norm. */
export function randomMaskNormDistribution(layers: LayerArrays[], trials: number, seed: number): { name: string; ticket: number; random: number[] }[] {
  return layers.map(({ name, weights, mask }, j) => {
    const squares = Float64Array.from(weights, (w) => w * w);
    let ticket = 0;
    let kept = 0;
    for (let i = 0; i < mask.length; i++) if (mask[i] !== 0) { ticket += squares[i]!; kept++; }
    return { name, ticket: Math.sqrt(ticket), random: randomNorms(squares, kept, trials, new Rng(seed, 'analysis-random-masks', j)) };
  });
}

/** √(sum of `k` entries of `squares` chosen uniformly without replacement), `trials` times. */
export function randomNorms(squares: Float64Array, k: number, trials: number, rng: Rng): number[] {
  const n = squares.length;
  const index = Int32Array.from({ length: n }, (_, i) => i);
  const out: number[] = [];
  for (let t = 0; t < trials; t++) {
    let sum = 0;
    // Partial Fisher–Yates: the first k slots become a uniform k-subset; the array stays a permutation.
    for (let i = 0; i < k; i++) {
      const j = i + rng.nextInt(n - i);
      const chosen = index[j]!;
      index[j] = index[i]!;
      index[i] = chosen;
      sum += squares[chosen]!;
    }
    out.push(Math.sqrt(sum));
  }
  return out;
}

function partialShuffle(n: number, k: number, rng: Rng): number[] {
  const index = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < k; i++) {
    const j = i + rng.nextInt(n - i);
    [index[i], index[j]] = [index[j]!, index[i]!];
  }
  return Array.from(index.subarray(0, k));
}

function sampleValues(values: number[], limit: number, rng: Rng): number[] {
  if (values.length <= limit) return values;
  return partialShuffle(values.length, limit, rng).map((i) => values[i]!);
}
