// Points per series, optionally with the y = x line (measured vs predicted: points below it beat the bound).
import type { TopLevelSpec } from 'vega-lite';
import { asSpec, axis, checkFinite, checkSeriesNames, frame, scale, seriesColor, type ChartOptions } from './options.js';
import { renderVegaLite, type PlotFiles } from './render.js';

export interface ScatterSeries {
  name: string;
  points: { x: number; y: number }[];
}

export interface ScatterOptions extends ChartOptions {
  /** Draw the dashed line y = x across the data's range. */
  diagonal?: boolean;
  /** Point size in square SVG units (default 40). */
  pointSize?: number;
}

export async function scatterPlot(series: readonly ScatterSeries[], options: ScatterOptions): Promise<PlotFiles> {
  return renderVegaLite(scatterSpec(series, options), options);
}

export function scatterSpec(series: readonly ScatterSeries[], options: ScatterOptions): TopLevelSpec {
  const names = series.map((s) => s.name);
  checkSeriesNames('scatterPlot', names);
  const values = series.flatMap((s) => s.points.map((p, i) => {
    checkFinite('scatterPlot', `series ${JSON.stringify(s.name)} point ${i} x`, p.x);
    checkFinite('scatterPlot', `series ${JSON.stringify(s.name)} point ${i} y`, p.y);
    for (const [axisName, v, type] of [['x', p.x, options.xScale], ['y', p.y, options.yScale]] as const) {
      if (type === 'log' && v <= 0) throw new RangeError(`scatterPlot: log ${axisName} axis needs ${axisName} > 0, series ${JSON.stringify(s.name)} point ${i} has ${v}`);
    }
    return { series: s.name, x: p.x, y: p.y };
  }));
  if (values.length === 0) throw new RangeError('scatterPlot: no points given');
  const x = { field: 'x', type: 'quantitative', axis: axis(options.xTitle, options.xFormat), scale: scale(options.xScale, false) };
  const y = { field: 'y', type: 'quantitative', axis: axis(options.yTitle, options.yFormat), scale: scale(options.yScale, false) };
  const layers: Record<string, unknown>[] = [
    { mark: { type: 'point', filled: true, size: options.pointSize ?? 40, opacity: 0.8 }, encoding: { x, y, color: seriesColor(names, options.legendTitle) } },
  ];
  if (options.diagonal) {
    const all = values.flatMap((v) => [v.x, v.y]);
    const lo = Math.min(...all);
    const hi = Math.max(...all);
    layers.unshift({
      data: { values: [{ x: lo, y: lo }, { x: hi, y: hi }] },
      mark: { type: 'line', color: 'gray', strokeDash: [4, 4] },
      encoding: { x, y },
    });
  }
  return asSpec({ ...frame(options), data: { values }, layer: layers });
}
