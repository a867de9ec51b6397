// report/: tables, plots and a static HTML page built from run directories (plain files, never live objects).
export type { MetricsRecord, RunConfig, RunRecord, RunResult, RunStatus } from './schema.js';
export { readRuns, readRun, readJsonl, runRows, RunFileError, type ReadRunsOptions, type RunRow } from './runs.js';
export { summarize, groupBy, aggregate, type Summary, type Group, type Aggregate } from './stats.js';
export {
  toMarkdown, toCsv, csvNumber, pivotTable, recordTable, formatMeanStd, formatPercent, formatNumber, formatInterval, cellText,
  type Table, type Cell, type CellNumbers, type Align, type PivotOptions, type ColumnSpec, type MeanStdFormat,
} from './table.js';
export { writeHtmlPage, renderHtmlPage, escapeHtml, type HtmlPage, type Section, type Block } from './html.js';
export { renderVegaLite, vegaLiteToSvg, svgToPng, CHART_FONT, type PlotFiles, type RenderOptions } from './plot/render.js';
export type { ChartOptions, ScaleType } from './plot/options.js';
export { lineChart, lineChartSpec, seriesFromAggregates, type LineSeries, type LinePoint, type LineChartOptions } from './plot/line-chart.js';
export {
  histogramOverlay, histogramSpec, histogram, binEdges, normalizeCounts,
  type HistogramSeries, type HistogramOptions, type HistogramNormalization, type Histogram, type BinOptions,
} from './plot/histogram.js';
export { groupedBarChart, groupedBarSpec, type BarDatum, type BarChartOptions } from './plot/bar-chart.js';
export { scatterPlot, scatterSpec, type ScatterSeries, type ScatterOptions } from './plot/scatter.js';
export { tidyRunsTable, tidyRunsCsv, tidyLeadingColumns, bestTestAccuracy } from './tidy.js';
export { markWithinOneStd, TIE_MARKER } from './compare.js';
export { writeRunEvents, writeRunsEvents, writeTrainingEvents, metricsScalars, METRICS_EVENTS_NAME } from './tensorboard.js';
