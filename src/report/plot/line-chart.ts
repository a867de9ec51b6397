// Lines with error bars or bands, one per series: accuracy vs density per method, error vs s per method, ….
import type { TopLevelSpec } from 'vega-lite';
import type { Aggregate } from '../stats.js';
import { asSpec, axis, checkFinite, checkSeriesNames, frame, scale, seriesColor, type ChartOptions } from './options.js';
import { renderVegaLite, type PlotFiles } from './render.js';

export interface LinePoint {
  x: number;
  /** NaN (e.g. a diverged run) leaves a gap. */
  y: number;
  /** Symmetric half-width of the error interval (e.g. the std over seeds); ignored when yLow/yHigh are given. */
  yError?: number;
  yLow?: number;
  yHigh?: number;
}

export interface LineSeries {
  name: string;
  points: LinePoint[];
}

export interface LineChartOptions extends ChartOptions {
  /** How intervals are drawn (default 'bars'); points without an interval draw none. */
  errors?: 'bars' | 'band' | 'none';
  /** Mark each point (default true). */
  points?: boolean;
  /** x positions to label; default on a log x axis with at most 12 distinct x: exactly those. */
  xTicks?: number[];
}

export async function lineChart(series: readonly LineSeries[], options: LineChartOptions): Promise<PlotFiles> {
  return renderVegaLite(lineChartSpec(series, options), options);
}

export function lineChartSpec(series: readonly LineSeries[], options: LineChartOptions): TopLevelSpec {
  const names = series.map((s) => s.name);
  checkSeriesNames('lineChart', names);
  const values = series.flatMap((s) =>
    s.points.map((p, i) => {
      checkFinite('lineChart', `series ${JSON.stringify(s.name)} point ${i} x`, p.x);
      if (options.xScale === 'log' && p.x <= 0) throw new RangeError(`lineChart: log x axis needs x > 0, series ${JSON.stringify(s.name)} has x = ${p.x}`);
      const low = p.yLow ?? (p.yError === undefined ? undefined : p.y - p.yError);
      const high = p.yHigh ?? (p.yError === undefined ? undefined : p.y + p.yError);
      const hasInterval = low !== undefined && high !== undefined && Number.isFinite(low) && Number.isFinite(high);
      return { series: s.name, x: p.x, y: p.y, ...(hasInterval ? { low, high } : {}) };
    }),
  );
  const x = {
    field: 'x', type: 'quantitative', scale: scale(options.xScale),
    axis: { ...axis(options.xTitle, options.xFormat), ...logTicks(options, values.map((v) => v.x)) },
  };
  const y = { field: 'y', type: 'quantitative', axis: axis(options.yTitle, options.yFormat), scale: scale(options.yScale, false) };
  const color = seriesColor(names, options.legendTitle);
  const errors = options.errors ?? 'bars';
  const withInterval = { filter: 'isValid(datum.low) && isValid(datum.high)' };
  // Same axis as y, so Vega-Lite does not title the axis "y, low"; no legend, so it shows lines, not bands.
  const intervalY = { ...y, field: 'low' };
  const intervalY2 = { field: 'high' };
  const intervalColor = color;
  const layers: Record<string, unknown>[] = [];
  layers.push({ mark: { type: 'line', point: options.points ?? true, strokeWidth: 2 }, encoding: { x, y, color } });
  if (errors === 'band') {
    layers.push({ transform: [withInterval], mark: { type: 'errorband', opacity: 0.18 }, encoding: { x, y: intervalY, y2: intervalY2, color: intervalColor } });
  }
  if (errors === 'bars') {
    layers.push({ transform: [withInterval], mark: { type: 'errorbar', ticks: true }, encoding: { x, y: intervalY, y2: intervalY2, color: intervalColor } });
  }
  return asSpec({ ...frame(options), data: { values }, layer: layers });
}

/** Few x values on a log axis (densities 10%, 5%, 2%): label exactly those, instead of decades. */
function logTicks(options: LineChartOptions, xs: number[]): Record<string, unknown> {
  if (options.xTicks !== undefined) return { values: options.xTicks };
  const distinct = [...new Set(xs)].sort((a, b) => a - b);
  return options.xScale === 'log' && distinct.length <= 12 ? { values: distinct } : {};
}

/**
 * Line series from aggregates (see stats.aggregate): one series per value of `series`, x from `x`, y = mean and
 * yError = std (no interval for a single seed). `scale` multiplies y (100 for percent).
 */
export function seriesFromAggregates(
  aggregates: readonly Aggregate[],
  fields: { series: string; x: string; scale?: number; label?: (value: unknown) => string },
): LineSeries[] {
  const k = fields.scale ?? 1;
  const bySeries = new Map<string, LinePoint[]>();
  for (const { key, summary } of aggregates) {
    const name = (fields.label ?? String)(key[fields.series]);
    const x = key[fields.x];
    if (typeof x !== 'number') throw new TypeError(`seriesFromAggregates: x field "${fields.x}" must be a number, got ${JSON.stringify(x)}`);
    if (!bySeries.has(name)) bySeries.set(name, []);
    bySeries.get(name)!.push({ x, y: summary.mean * k, ...(summary.n >= 2 ? { yError: summary.std * k } : {}) });
  }
  return [...bySeries].map(([name, points]) => ({ name, points: points.sort((a, b) => a.x - b.x) }));
}
