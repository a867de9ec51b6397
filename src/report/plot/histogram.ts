// Overlaid histograms on shared bins: weights kept by each method vs a uniform mask, scores kept with and without
// randomization, …. Binning happens here, so millions of values never enter the chart spec.
import type { TopLevelSpec } from 'vega-lite';
import { asSpec, axis, checkSeriesNames, frame, seriesColor, type ChartOptions } from './options.js';
import { renderVegaLite, type PlotFiles } from './render.js';

export interface HistogramSeries {
  name: string;
  values: ArrayLike<number>;
}

/**
 * 'probability': fraction of the series' values per bin (bars sum to 1); 'density': probability / bin width (area
 * 1; comparable across bin widths); 'count': raw counts.
 */
export type HistogramNormalization = 'probability' | 'density' | 'count';

export interface BinOptions {
  /** Number of bins (default 50). */
  bins?: number;
  /** Bin range [low, high]; default: the smallest and largest finite value over all series. */
  range?: [number, number];
  /** Bins equal in log10 space; values ≤ 0 cannot be placed and are counted as dropped. */
  log?: boolean;
}

export interface HistogramOptions extends ChartOptions, BinOptions {
  normalize?: HistogramNormalization;
  /** Fill opacity of each series' bars (default 0.35; outlines stay opaque so overlaps remain readable). */
  opacity?: number;
}

export interface Histogram {
  /** bins + 1 increasing edges. */
  edges: number[];
  counts: number[];
  /** Values that fell outside the range, were non-finite, or were ≤ 0 on log bins. */
  dropped: number;
  /** Of the dropped: values ≤ 0 on log bins (e.g. SNIP scores of weights whose input is always 0). */
  nonPositive: number;
  total: number;
}

/** Bin edges shared by every series. */
export function binEdges(series: readonly ArrayLike<number>[], options: BinOptions = {}): number[] {
  const bins = options.bins ?? 50;
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`histogram: bins must be a positive integer, got ${bins}`);
  let [low, high] = options.range ?? [Infinity, -Infinity];
  if (options.range === undefined) {
    for (const values of series) {
      for (let i = 0; i < values.length; i++) {
        const v = values[i]!;
        if (!Number.isFinite(v) || (options.log && v <= 0)) continue;
        if (v < low) low = v;
        if (v > high) high = v;
      }
    }
    if (low > high) throw new RangeError(`histogram: no finite${options.log ? ' positive' : ''} values to bin`);
  }
  if (options.log && low <= 0) throw new RangeError(`histogram: log bins need a positive range, got [${low}, ${high}]`);
  if (!(high >= low)) throw new RangeError(`histogram: range must satisfy low <= high, got [${low}, ${high}]`);
  if (high === low) { // all values equal: one visible bin around them
    const half = low === 0 ? 0.5 : Math.abs(low) * 0.05;
    [low, high] = options.log ? [low / 1.1, high * 1.1] : [low - half, high + half];
  }
  const [a, b] = options.log ? [Math.log10(low), Math.log10(high)] : [low, high];
  const edges = Array.from({ length: bins + 1 }, (_, i) => a + ((b - a) * i) / bins);
  edges[bins] = b; // exact end despite rounding
  return options.log ? edges.map((e, i) => (i === 0 ? low : i === bins ? high : 10 ** e)) : edges;
}

/** Counts per bin; the last bin includes its right edge, the others are [left, right). */
export function histogram(values: ArrayLike<number>, edges: readonly number[], log = false): Histogram {
  const bins = edges.length - 1;
  const counts = new Array<number>(bins).fill(0);
  const t = (v: number): number => (log ? Math.log10(v) : v);
  const lo = t(edges[0]!);
  const hi = t(edges[bins]!);
  let dropped = 0;
  let nonPositive = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (log && v <= 0) nonPositive++;
    if (!Number.isFinite(v) || (log && v <= 0) || v < edges[0]! || v > edges[bins]!) { dropped++; continue; }
    let k = Math.min(bins - 1, Math.floor(((t(v) - lo) / (hi - lo)) * bins));
    // guard the floor against rounding at bin boundaries
    while (k > 0 && v < edges[k]!) k--;
    while (k < bins - 1 && v >= edges[k + 1]!) k++;
    counts[k]!++;
  }
  return { edges: [...edges], counts, dropped, nonPositive, total: values.length };
}

export function normalizeCounts(h: Histogram, mode: HistogramNormalization): number[] {
  const placed = h.total - h.dropped;
  if (mode === 'count' || placed === 0) return [...h.counts];
  return h.counts.map((c, i) => (mode === 'probability' ? c / placed : c / placed / (h.edges[i + 1]! - h.edges[i]!)));
}

export async function histogramOverlay(series: readonly HistogramSeries[], options: HistogramOptions): Promise<PlotFiles> {
  return renderVegaLite(histogramSpec(series, options), options);
}

export function histogramSpec(series: readonly HistogramSeries[], options: HistogramOptions): TopLevelSpec {
  checkSeriesNames('histogramOverlay', series.map((s) => s.name));
  const edges = binEdges(series.map((s) => s.values), options);
  const mode = options.normalize ?? 'probability';
  // A series that lost values (outside the range, non-finite, or ≤ 0 on log bins) says so in its legend entry.
  const labelled = series.map((s) => {
    const h = histogram(s.values, edges, options.log);
    const label = h.dropped === 0 ? s.name
      : h.dropped === h.nonPositive ? `${s.name} (${h.dropped} of ${h.total} ≤ 0: not on the log axis)`
        : `${s.name} (${h.dropped} of ${h.total} not shown)`;
    return { label, heights: normalizeCounts(h, mode) };
  });
  const values = labelled.flatMap(({ label, heights }) =>
    heights.map((height, i) => ({ series: label, start: edges[i]!, end: edges[i + 1]!, height })),
  );
  const names = labelled.map((l) => l.label);
  const color = seriesColor(names, options.legendTitle);
  const defaultY = mode === 'count' ? 'Count' : mode === 'density' ? 'Probability density' : 'Fraction of values';
  return asSpec({
    ...frame(options),
    data: { values },
    mark: { type: 'rect', fillOpacity: options.opacity ?? 0.35, strokeWidth: 1.2, strokeOpacity: 1 },
    encoding: {
      x: { field: 'start', type: 'quantitative', axis: axis(options.xTitle, options.xFormat), scale: options.log ? { type: 'log', nice: false } : { zero: false, nice: false } },
      x2: { field: 'end' },
      y: { field: 'height', type: 'quantitative', axis: axis(options.yTitle ?? defaultY, options.yFormat), scale: options.yScale === 'log' ? { type: 'symlog' } : {} },
      color,
      stroke: color,
    },
  });
}
