// Mask comparison on the linear problem: Algorithm 1 with Eq. (2) probabilities against the top-s hard threshold
// of the same scores (0/1 mask), a top-k with the sketch's own keep-count, and uniform Algorithm 1.
// The mask is found at initialization (X, w⁰) and applied to w⋆ at a chosen distance from w⁰.
import { Tensor, manualSeed, ones, stack, tidy, zeros } from '../torch/index.js';
import { sketchMask } from './algorithm1.js';
import { expectedSketchError, maskedFeatureError } from './error.js';
import { eq2Scores, probabilitiesFromScores, uniformProbabilities } from './probabilities.js';
import { driftedWeights, gaussianData, gaussianWeights, type DriftKind } from './scenarios.js';
import { meanWithCI } from './stats.js';
import { checkBudget, checkCount } from './validate.js';

export type MaskMethod = 'sketch' | 'top-s' | 'top-matched' | 'uniform';

export const MASK_METHODS: { method: MaskMethod; label: string }[] = [
  { method: 'sketch', label: 'Algorithm 1, Eq. (2) p (scaled)' },
  { method: 'top-s', label: 'top-s by ‖X₍ᵢ₎‖|w⁰_i| (0/1)' },
  { method: 'top-matched', label: 'top-‖m‖₀ (same count as the sketch, 0/1)' },
  { method: 'uniform', label: 'uniform Algorithm 1 (scaled d/s)' },
];

export interface CompareOptions {
  d?: number;
  n?: number;
  /** s values for the error-versus-budget series (each ≤ d for top-s). */
  budgets?: number[];
  /** ‖w⋆−w⁰‖/‖w⁰‖ values for the error-versus-distance series. */
  drifts?: number[];
  /** The distance used in the versus-budget series. */
  budgetSeriesDrift?: number;
  /** The budget used in the versus-distance series. */
  driftSeriesBudget?: number;
  driftKind?: DriftKind;
  reps?: number;
  z?: number;
  seed?: number;
  onProgress?: (message: string) => void;
}

export interface SeriesPoint {
  x: number;
  /** Mean relative error ‖Xᵀw⋆ − Xᵀ(w⋆⊙m)‖²/‖Xᵀw⋆‖² over repetitions, with its interval. */
  mean: number;
  ciLow: number;
  ciHigh: number;
  /** Median relative error (the random masks' errors are heavy-tailed, so mean and median differ). */
  median: number;
  /** Mean ‖m‖₀. */
  meanKeepCount: number;
  /** For the random masks: the mean over repetitions of the exact E_m relative error. */
  expectedMean: number | null;
}

export interface CompareSeries { method: MaskMethod; label: string; points: SeriesPoint[] }

export interface CompareReport {
  config: Required<Omit<CompareOptions, 'onProgress'>>;
  metric: string;
  versusBudget: { xLabel: string; drift: number; series: CompareSeries[] };
  versusDrift: { xLabel: string; budget: number; series: CompareSeries[] };
  durationSeconds: number;
}

interface Accumulator { errors: number[]; keep: number[]; expected: number[] }

export function compareMasks(options: CompareOptions = {}): CompareReport {
  const d = options.d ?? 1000;
  const config = {
    d, n: options.n ?? 128,
    budgets: options.budgets ?? [10, 20, 50, 100, 200, 500, 1000].filter((s) => s <= d),
    drifts: options.drifts ?? [0, 0.1, 0.25, 0.5, 1, 2],
    budgetSeriesDrift: options.budgetSeriesDrift ?? 0.25,
    driftSeriesBudget: options.driftSeriesBudget ?? Math.max(1, Math.round(d / 10)),
    driftKind: options.driftKind ?? 'dense',
    reps: checkCount(options.reps ?? 40, 'reps', 2),
    z: options.z ?? 3,
    seed: options.seed ?? 0,
  };
  for (const s of [...config.budgets, config.driftSeriesBudget]) {
    checkBudget(s, 'budget');
    if (s > d) throw new RangeError(`budget ${s} exceeds d = ${d} (top-s needs s ≤ d)`);
  }
  for (const drift of [...config.drifts, config.budgetSeriesDrift]) {
    if (!(drift >= 0) || !Number.isFinite(drift)) throw new RangeError(`drift must be a finite number ≥ 0, got ${drift}`);
  }
  const progress = options.onProgress ?? (() => {});
  const started = performance.now();
  manualSeed(config.seed);
  const fresh = (count: number) => MASK_METHODS.map(() => Array.from({ length: count }, (): Accumulator => ({ errors: [], keep: [], expected: [] })));
  const byBudget = fresh(config.budgets.length);
  const byDrift = fresh(config.drifts.length);

  for (let rep = 0; rep < config.reps; rep++) {
    if (rep % Math.max(1, Math.floor(config.reps / 10)) === 0) progress(`compare: repetition ${rep + 1}/${config.reps}`);
    tidy(() => {
      const X = gaussianData(d, config.n);
      const w0 = gaussianWeights(d);
      const unitDrift = driftedWeights(w0, { kind: config.driftKind, relativeSize: 1 }).sub(w0);
      const target = (drift: number) => w0.add(unitDrift.mul(drift));
      const scores = eq2Scores(X, w0);
      const p = probabilitiesFromScores(scores);
      const uniform = uniformProbabilities(d);
      const masksFor = (s: number) => drawMasks(scores, p, uniform, s);

      config.budgets.forEach((s, b) => tidy(() => {
        const masks = masksFor(s);
        record(byBudget, b, X, target(config.budgetSeriesDrift), masks, { p, uniform, s });
      }));
      tidy(() => {
        const masks = masksFor(config.driftSeriesBudget);
        config.drifts.forEach((drift, j) => tidy(() =>
          record(byDrift, j, X, target(drift), masks, { p, uniform, s: config.driftSeriesBudget })));
      });
    });
  }

  const series = (accumulators: Accumulator[][], xs: number[]): CompareSeries[] => MASK_METHODS.map(({ method, label }, m) => ({
    method, label,
    points: xs.map((x, i) => {
      const { errors, keep, expected } = accumulators[m][i];
      const estimate = meanWithCI(errors, config.z);
      return {
        x, mean: estimate.mean, ciLow: estimate.ciLow, ciHigh: estimate.ciHigh, median: median(errors),
        meanKeepCount: keep.reduce((a, b) => a + b, 0) / keep.length,
        expectedMean: expected.length ? expected.reduce((a, b) => a + b, 0) / expected.length : null,
      };
    }),
  }));
  return {
    config,
    metric: 'relative error ‖Xᵀw⋆ − Xᵀ(w⋆⊙m)‖² / ‖Xᵀw⋆‖² (mask from X and w⁰, X ~ N(0,1/n), w⁰ ~ N(0,1))',
    versusBudget: { xLabel: 's (draws / kept weights)', drift: config.budgetSeriesDrift, series: series(byBudget, config.budgets) },
    versusDrift: { xLabel: '‖w⋆ − w⁰‖ / ‖w⁰‖', budget: config.driftSeriesBudget, series: series(byDrift, config.drifts) },
    durationSeconds: (performance.now() - started) / 1000,
  };
}

/** The four masks for one budget, in MASK_METHODS order, with their keep-counts. */
function drawMasks(scores: Tensor, p: Tensor, uniform: Tensor, s: number): { masks: Tensor; keepCounts: number[] } {
  const sketch = sketchMask(p, s);
  const uniformMask = sketchMask(uniform, s);
  const top = (k: number) => {
    const indices = scores.topk(k).indices;
    return zeros([scores.size(0)], { dtype: 'float64' }).scatter(0, indices, ones([k], { dtype: 'float64' }));
  };
  return {
    masks: stack([sketch.mask, top(s), top(sketch.keepCount), uniformMask.mask], 0),
    keepCounts: [sketch.keepCount, s, sketch.keepCount, uniformMask.keepCount],
  };
}

function record(into: Accumulator[][], index: number, X: Tensor, wStar: Tensor,
  drawn: { masks: Tensor; keepCounts: number[] }, random: { p: Tensor; uniform: Tensor; s: number }): void {
  const features = tidy(() => wStar.unsqueeze(0).mm(X).square().sum().item());
  const errors = maskedFeatureError(X, wStar, drawn.masks);
  MASK_METHODS.forEach(({ method }, m) => {
    const slot = into[m][index];
    slot.errors.push(errors[m] / features);
    slot.keep.push(drawn.keepCounts[m]);
    if (method === 'sketch') slot.expected.push(expectedSketchError(X, wStar, random.p, random.s).expected / features);
    if (method === 'uniform') slot.expected.push(expectedSketchError(X, wStar, random.uniform, random.s).expected / features);
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
