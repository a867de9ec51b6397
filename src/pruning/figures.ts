// Data behind the paper's Figure 1 (rendering belongs to cli/ and experiments/, through report/):
// (a) the initial values of the weights each mask keeps, next to a uniformly random mask of the same density;
// (b) the scores of a uniformly drawn subset of weights (1000 in the paper), and of those of them each mask keeps
//     (e.g. SynFlow's threshold mask and its randomized version).
import { Tensor, cat, getRngState, manualSeed, rand, randperm, setRngState, tidy, type Device } from '../torch/index.js';
import { MaskSet, type Module, type PrunableOptions } from '../nn/index.js';
import { topKMasks } from './selection/ranking.js';
import { collectPrunable } from './working-weights.js';
import { prune, type PruneOptions, type PruneResult } from './prune.js';

/** `nonPositive`: values ≤ 0, which log bins cannot place (counted in `count`, not in `counts`). */
export interface HistogramSeriesData { name: string; count: number; counts: number[]; probabilities: number[]; mean: number; meanAbs: number; nonPositive: number }
export interface HistogramData { edges: number[]; log: boolean; series: HistogramSeriesData[] }

/** A uniformly random mask keeping exactly round(density · N) of the prunable weights (global scope). */
export function uniformMask(model: Module, density: number, seed = 0, prunable: PrunableOptions = {}): MaskSet {
  const parameters = collectPrunable(model, prunable);
  const callerRng = getRngState();
  manualSeed(seed);
  try {
    const total = parameters.reduce((sum, { tensor }) => sum + tensor.numel, 0);
    const masks = tidy(() => topKMasks(parameters.map(({ tensor }) => rand(tensor.shape, { dtype: 'float64', device: tensor.device as Device })),
      Math.round(density * total)));
    return new MaskSet(parameters.map(({ name }, index) => [name, masks[index]]));
  } finally {
    setRngState(callerRng);
    callerRng.dispose();
  }
}

/** Values of `tensors` (by parameter name) where each mask is non-zero, pooled over the named layers (default all). */
export function keptValues(tensors: Map<string, Tensor>, masks: MaskSet, layers?: readonly string[]): Float64Array {
  const names = layers ?? masks.names;
  return tidy(() => {
    const pieces = names.map((name) => {
      const values = tensors.get(name);
      if (!values) throw new Error(`no values for layer '${name}'`);
      return values.detach().to('float64').flatten().maskedSelect(masks.get(name).flatten().ne(0));
    });
    return cat(pieces).data() as Float64Array;
  });
}

/** The current weights of the model's prunable parameters by name. */
export function weightValues(model: Module, prunable: PrunableOptions = {}): Map<string, Tensor> {
  return new Map(collectPrunable(model, prunable).map(({ name, tensor }) => [name, tensor]));
}

/**
 * Figure 1b's series: the scores of `subset` weights drawn uniformly without replacement from all prunable
 * weights, and for each mask the scores of the drawn weights it keeps.
 */
export function scoreSubsetSeries(scores: Map<string, Tensor>, masks: Record<string, MaskSet>, subset = 1000, seed = 0,
  allLabel = 'all scores'): Record<string, Float64Array> {
  const names = [...scores.keys()];
  return tidy(() => {
    const flatScores = cat(names.map((name) => scores.get(name)!.to('float64').flatten()));
    const callerRng = getRngState();
    manualSeed(seed);
    const chosen = randperm(flatScores.numel, { device: flatScores.device as Device }).narrow(0, 0, Math.min(subset, flatScores.numel));
    setRngState(callerRng);
    callerRng.dispose();
    const result: Record<string, Float64Array> = { [allLabel]: flatScores.indexSelect(0, chosen).data() as Float64Array };
    for (const [label, mask] of Object.entries(masks)) {
      const flatMask = cat(names.map((name) => mask.get(name).flatten()));
      const kept = chosen.maskedSelect(flatMask.indexSelect(0, chosen).ne(0));
      result[label] = flatScores.indexSelect(0, kept).data() as Float64Array;
    }
    return result;
  });
}

/**
 * Shared-bin histograms of several series: `bins` equal bins over [min, max] of all finite values, or equal in
 * log10 when `log` (values ≤ 0 are then left out). Probabilities are counts / series size.
 */
export function histogramData(series: Record<string, ArrayLike<number>>, options: { bins?: number; log?: boolean } = {}): HistogramData {
  const bins = options.bins ?? 50;
  const log = options.log ?? false;
  const transform = (value: number): number => (log ? Math.log10(value) : value);
  let low = Infinity;
  let high = -Infinity;
  for (const values of Object.values(series)) {
    for (let i = 0; i < values.length; i++) {
      const value = values[i];
      if (!Number.isFinite(value) || (log && value <= 0)) continue;
      low = Math.min(low, transform(value));
      high = Math.max(high, transform(value));
    }
  }
  if (!(low <= high)) { low = 0; high = 1; }
  if (low === high) { low -= 0.5; high += 0.5; }
  const width = (high - low) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, i) => (log ? 10 ** (low + i * width) : low + i * width));
  return {
    edges, log,
    series: Object.entries(series).map(([name, values]) => {
      const counts = new Array<number>(bins).fill(0);
      let sum = 0;
      let sumAbs = 0;
      let nonPositive = 0;
      for (let i = 0; i < values.length; i++) {
        const value = values[i];
        sum += value;
        sumAbs += Math.abs(value);
        if (value <= 0) nonPositive++;
        if (!Number.isFinite(value) || (log && value <= 0)) continue;
        counts[Math.min(bins - 1, Math.max(0, Math.floor((transform(value) - low) / width)))]++;
      }
      const count = values.length;
      return {
        name, count, counts, probabilities: counts.map((c) => (count === 0 ? 0 : c / count)),
        mean: count === 0 ? 0 : sum / count, meanAbs: count === 0 ? 0 : sumAbs / count, nonPositive,
      };
    }),
  };
}

/**
 * Whether scores need log bins: all are positive, or the positive ones span two decades or more. Zeros do not
 * prevent it: SNIP
 * with sparse input scores many weights exactly 0 (their inputs never fire) and the rest over many decades; on
 * linear bins every kept weight then sits in the first bin beside hundreds of others, invisible. On log bins the
 * zeros are counted (`nonPositive`) and named in the legend instead.
 */
export function wantsLogBins(series: Record<string, ArrayLike<number>>): boolean {
  let low = Infinity;
  let high = 0;
  let allPositive = true;
  for (const values of Object.values(series)) {
    for (let i = 0; i < values.length; i++) {
      const value = values[i];
      if (value > 0 && Number.isFinite(value)) { low = Math.min(low, value); high = Math.max(high, value); } else allPositive = false;
    }
  }
  return high > 0 && (allPositive || high / low >= 100);
}

export interface Figure1Data {
  /** Figure 1a: initial values of the weights each mask keeps (pooled over the prunable layers). */
  weights: { series: Record<string, Float64Array>; histogram: HistogramData };
  /** Figure 1b: scores of a uniform subset of weights, and of those each mask keeps. */
  scores: { series: Record<string, Float64Array>; histogram: HistogramData; subset: number };
}

export interface Figure1Options {
  /** The run to show; it must have been made with keepScores so its unpruned scores are there. */
  result: PruneResult;
  /** The options that made it: Figure 1b adds the same run with the other selection (threshold ↔ sketch-random). */
  options: PruneOptions;
  /** Further masks for Figure 1a, e.g. an IMP mask, by label. */
  compare?: Record<string, MaskSet>;
  /** Weights drawn for Figure 1b (default 1000, as the paper). */
  subset?: number;
  bins?: number;
}

/** The data of Figure 1 for one pruning run: the run's mask, its randomized (or thresholded) twin, a uniform mask. */
export async function figure1Data(model: Module, figure: Figure1Options): Promise<Figure1Data> {
  const { result, options } = figure;
  if (!result.scores) throw new Error('figure1Data needs a run made with keepScores: true (its unpruned scores)');
  const method = result.record.method;
  const selection = String(result.record.options.selection);
  const twinSelection = selection === 'threshold' ? 'sketch-random' : 'threshold';
  const twin = await prune(model, { ...options, selection: twinSelection, keepScores: false, onProgress: undefined });
  const uniform = uniformMask(model, result.record.density, result.record.seed, options.prunable);
  try {
    const label = (which: string) => which === 'threshold' ? `${method} mask` : `${method} + ${which === 'sketch-random' ? 'randomized' : which} mask`;
    const masks: Record<string, MaskSet> = { [label(selection)]: result.masks, [label(twinSelection)]: twin.masks };
    const weights = weightValues(model, options.prunable);
    const weightSeries: Record<string, Float64Array> = { uniform: keptValues(weights, uniform) };
    for (const [name, mask] of Object.entries({ ...masks, ...figure.compare })) weightSeries[name] = keptValues(weights, mask);
    const subset = figure.subset ?? 1000;
    const scoreSeries = scoreSubsetSeries(result.scores, masks, subset, result.record.seed, `${method} scores`);
    return {
      weights: { series: weightSeries, histogram: histogramData(weightSeries, { bins: figure.bins ?? 60 }) },
      scores: { series: scoreSeries, histogram: histogramData(scoreSeries, { bins: figure.bins ?? 60, log: wantsLogBins(scoreSeries) }), subset },
    };
  } finally {
    twin.masks.dispose();
    uniform.dispose();
  }
}
