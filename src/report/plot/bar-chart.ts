// Grouped bars: one group per category on x (e.g. density), one bar per series in it (e.g. method).
import type { TopLevelSpec } from 'vega-lite';
import { asSpec, axis, checkFinite, checkSeriesNames, frame, scale, seriesColor, type ChartOptions } from './options.js';
import { renderVegaLite, type PlotFiles } from './render.js';

export interface BarDatum {
  group: string;
  series: string;
  value: number;
  /** Symmetric error half-width (e.g. std over seeds), drawn as a whisker. */
  error?: number;
}

export interface BarChartOptions extends ChartOptions {
  /** Order of the groups on x (default: first appearance). */
  groupOrder?: string[];
  /** Order of the series within a group and in the legend (default: first appearance). */
  seriesOrder?: string[];
}

export async function groupedBarChart(data: readonly BarDatum[], options: BarChartOptions): Promise<PlotFiles> {
  return renderVegaLite(groupedBarSpec(data, options), options);
}

export function groupedBarSpec(data: readonly BarDatum[], options: BarChartOptions): TopLevelSpec {
  if (data.length === 0) throw new RangeError('groupedBarChart: no bars given');
  data.forEach((d, i) => checkFinite('groupedBarChart', `bar ${i} (${d.group}, ${d.series}) value`, d.value));
  const firstSeen = (values: string[]): string[] => [...new Set(values)];
  const groups = options.groupOrder ?? firstSeen(data.map((d) => d.group));
  const names = options.seriesOrder ?? firstSeen(data.map((d) => d.series));
  checkSeriesNames('groupedBarChart', names);
  const values = data.map((d) => ({
    group: d.group, series: d.series, value: d.value,
    ...(d.error === undefined || !Number.isFinite(d.error) ? {} : { low: d.value - d.error, high: d.value + d.error }),
  }));
  const x = { field: 'group', type: 'nominal', sort: groups, axis: { ...axis(options.xTitle, options.xFormat), labelAngle: 0 } };
  const xOffset = { field: 'series', type: 'nominal', sort: names, scale: { domain: names } };
  const color = seriesColor(names, options.legendTitle);
  return asSpec({
    ...frame(options),
    data: { values },
    layer: [
      { mark: 'bar', encoding: { x, xOffset, y: { field: 'value', type: 'quantitative', axis: axis(options.yTitle, options.yFormat), scale: scale(options.yScale) }, color } },
      {
        transform: [{ filter: 'isValid(datum.low)' }],
        mark: { type: 'rule', color: 'black' },
        encoding: { x, xOffset, y: { field: 'low', type: 'quantitative' }, y2: { field: 'high' } },
      },
    ],
  });
}
