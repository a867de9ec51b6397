// Builds the report of a runs directory: the tables each experiment asks for (paper layout, mean ± std over
// seeds) as Markdown and CSV, its plots as PNG and SVG, and one static HTML page linking everything.
import fs from 'node:fs';
import path from 'node:path';
import {
  aggregate, formatPercent, histogramOverlay, lineChart, pivotTable, readRuns, runRows, seriesFromAggregates, toCsv,
  toMarkdown, writeHtmlPage, type Block, type LineSeries, type PlotFiles, type RunRecord, type RunRow, type Section,
  type Table,
} from '../report/index.js';
import { readAnalysis } from './analysis-file.js';
import { readExperimentIndexes, type ExperimentIndex } from './store.js';
import type { PlotSpec, TableSpec } from './experiment.js';
import { safeFileName } from '../foundations/names.js';
import { writeFileAtomic } from '../foundations/atomic.js';
import { ensureDirectory } from '../foundations/directories.js';

export interface ReportOutput {
  dir: string;
  html: string;
  markdown: string;
  tables: { title: string; markdown: string; csv: string; table: Table }[];
  plots: PlotFiles[];
  finished: number;
  unfinished: number;
}

const defaultTable: TableSpec = {
  title: 'Test accuracy (%)', rows: ['dataset', 'model', 'density'], columns: 'method', value: 'testAccuracy',
  filter: {}, order: {}, scale: 100, digits: 2, highlight: 'row',
};

/** Reads every run below `runsDir` and writes the report into `reportDir`. */
export async function buildReport(runsDir: string, reportDir: string, log: (line: string) => void = () => {}): Promise<ReportOutput> {
  const runs = readRuns(runsDir);
  if (runs.length === 0) throw new Error(`${path.resolve(runsDir)}: no run directories (config.json) found below it`);
  ensureDirectory(reportDir);
  const indexes = readExperimentIndexes(runsDir);
  const groups: { index: ExperimentIndex; runs: RunRecord[] }[] = [];
  if (indexes.length === 0) {
    groups.push({ index: fallbackIndex(path.basename(path.resolve(runsDir))), runs });
  } else {
    for (const { dir, index } of indexes) {
      const own = new Set(index.runs.map((name) => path.resolve(dir, name)));
      groups.push({ index, runs: runs.filter((run) => own.has(run.dir)) });
    }
  }

  const output: ReportOutput = {
    dir: reportDir, html: '', markdown: path.join(reportDir, 'report.md'), tables: [], plots: [],
    finished: runs.filter((r) => r.status === 'finished').length, unfinished: runs.filter((r) => r.status !== 'finished').length,
  };
  const sections: Section[] = [];
  const markdown: string[] = [];
  for (const { index, runs: members } of groups) {
    const rows = runRows(members);
    const blocks: Block[] = [];
    const heading = index.title || index.name;
    markdown.push(`## ${heading}\n`);
    const about = [index.description, `Scale: ${index.scale}. Runs: ${rows.length} finished of ${members.length}.${index.estimate ? ` Expected cost: ${index.estimate}` : ''}`]
      .filter((t) => t !== '').join('\n\n');
    blocks.push({ kind: 'text', text: about });
    markdown.push(`${about}\n`);
    const tables = index.report.tables.length > 0 || index.report.plots.length > 0 ? index.report.tables : [defaultTable];
    tables.forEach((spec, i) => {
      const selected = filterRows(rows, spec.filter);
      if (selected.length === 0) return;
      const table = buildTable(selected, spec);
      const base = `${safeFileName(index.name, 'experiment')}-table${i + 1}`;
      const md = path.join(reportDir, `${base}.md`);
      const csv = path.join(reportDir, `${base}.csv`);
      writeFileAtomic(md, toMarkdown(table));
      writeFileAtomic(csv, toCsv(table));
      output.tables.push({ title: spec.title, markdown: md, csv, table });
      blocks.push({ kind: 'table', table });
      markdown.push(toMarkdown(table));
    });
    const plots = index.report.plots.length > 0 ? index.report.plots : defaultPlots(rows);
    // Series in the order the tables list the methods (the paper's column order), else as found.
    const methodOrder = (tables.find((t) => Array.isArray(t.order.method))?.order.method ?? []) as string[];
    for (const [i, spec] of plots.entries()) {
      const name = `${safeFileName(index.name, 'experiment')}-${spec.kind}-${i + 1}`;
      const files = await buildPlot(spec, filterRows(rows, spec.filter), reportDir, name, methodOrder);
      for (const f of files) {
        output.plots.push(f.files);
        blocks.push({ kind: 'image', svg: f.files.svg, png: f.files.png, caption: f.caption });
        markdown.push(`![${f.caption}](${path.basename(f.files.png)})\n`);
      }
    }
    const unfinished = members.filter((r) => r.status !== 'finished');
    if (unfinished.length > 0) {
      const list = unfinished.map((r) => `- ${r.name} (${r.dir})`).join('\n');
      blocks.push({ kind: 'text', text: `Unfinished runs (not in the tables):` }, { kind: 'code', text: list });
      markdown.push(`Unfinished runs (not in the tables):\n\n${list}\n`);
    }
    sections.push({ heading, blocks });
    log(`report: ${heading}: ${rows.length} finished runs, ${unfinished.length} unfinished`);
  }
  output.html = writeHtmlPage(reportDir, {
    title: 'sketchprune report',
    subtitle: `Runs in ${path.resolve(runsDir)}; made ${new Date().toISOString()}`,
    sections,
  });
  writeFileAtomic(output.markdown, `# sketchprune report\n\n${markdown.join('\n')}`);
  return output;
}

/** Rows whose fields equal every value in the filter; keys may be dotted paths ('pruning.method'). */
function filterRows(rows: RunRow[], filter: Record<string, unknown>): RunRow[] {
  const at = (row: RunRow, key: string): unknown =>
    key.split('.').reduce<unknown>((value, part) => (value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined), row);
  return rows.filter((row) => Object.entries(filter).every(([k, v]) => at(row, k) === v));
}

export function buildTable(rows: RunRow[], spec: TableSpec): Table {
  return pivotTable(rows, {
    rows: spec.rows,
    columns: spec.columns,
    value: spec.value,
    rowHeaders: spec.rows.map(header),
    formatKey: { density: formatPercent },
    order: { density: [1, 0.5, 0.2, 0.1, 0.05, 0.02, 0.01], ...spec.order },
    cell: { digits: spec.digits, scale: spec.scale },
    ...(spec.highlight === 'none' ? {} : { highlight: { best: 'max', within: spec.highlight } }),
    collapseRepeated: true,
    ...(spec.title ? { caption: spec.title } : {}),
  });
}

function header(field: string): string {
  return ({ dataset: 'Dataset', model: 'Model', density: 'Density', method: 'Method', seed: 'Seed' } as Record<string, string>)[field] ?? field;
}

function fallbackIndex(name: string): ExperimentIndex {
  return { name, title: name, description: '', scale: '', estimate: '', report: { tables: [], plots: [] }, runs: [] };
}

function defaultPlots(rows: RunRow[]): PlotSpec[] {
  const densities = new Set(rows.map((r) => r.density));
  return densities.size > 1 ? [{ kind: 'accuracy-vs-density', title: '', filter: {} }] : [];
}

interface BuiltPlot { files: PlotFiles; caption: string }

async function buildPlot(spec: PlotSpec, rows: RunRow[], dir: string, name: string, methodOrder: string[]): Promise<BuiltPlot[]> {
  if (rows.length === 0) return [];
  switch (spec.kind) {
    case 'accuracy-vs-density': return accuracyPlots(spec, rows, dir, name, methodOrder);
    case 'weight-histogram': return weightHistogram(spec, rows, dir, name);
    case 'score-histogram': return scoreHistogram(spec, rows, dir, name);
    case 'mask-norms': return maskNormPlot(spec, rows, dir, name);
    case 'random-mask-norms': return randomMaskNormPlot(spec, rows, dir, name);
  }
}

/** One chart per (dataset, model): accuracy (%) vs density, a line per method, error bars = std over seeds. */
async function accuracyPlots(spec: PlotSpec, rows: RunRow[], dir: string, name: string, methodOrder: string[]): Promise<BuiltPlot[]> {
  const out: BuiltPlot[] = [];
  const keys = [...new Set(rows.map((r) => `${r.dataset}\u0000${r.model}`))];
  for (const [i, key] of keys.entries()) {
    const [dataset, model] = key.split('\u0000');
    const members = rows.filter((r) => r.dataset === dataset && r.model === model && Number.isFinite(r.testAccuracy as number));
    if (members.length === 0) continue;
    const rank = (method: string): number => { const i = methodOrder.indexOf(method); return i < 0 ? methodOrder.length : i; };
    const series = seriesFromAggregates(aggregate(members, ['method', 'density'], 'testAccuracy'), { series: 'method', x: 'density', scale: 100 })
      .sort((a, b) => rank(a.name) - rank(b.name));
    const title = spec.title || `${model} on ${dataset}: test accuracy vs density`;
    const files = await lineChart(series, {
      dir, name: `${name}-${i + 1}`, title, xTitle: 'density (kept fraction)', yTitle: 'test accuracy (%)',
      xScale: 'log', xFormat: '.0%', legendTitle: 'method',
    });
    out.push({ files, caption: `${title} (mean ± std over seeds)` });
  }
  return out;
}

/** Figure 1a: initial values of the kept weights, one series per method (first seed of each method). */
async function weightHistogram(spec: PlotSpec, rows: RunRow[], dir: string, name: string): Promise<BuiltPlot[]> {
  const series = firstPerMethod(rows).flatMap((row) => {
    const values = readAnalysis(row.dir)?.keptWeights;
    return values && values.length > 0 ? [{ name: String(row.method), values }] : [];
  });
  if (series.length === 0) return [];
  const title = spec.title || `Initial values of kept weights (${describeRows(rows)})`;
  const files = await histogramOverlay(series, { dir, name, title, xTitle: 'weight at initialization', yTitle: 'probability', normalize: 'probability', bins: 60 });
  return [{ files, caption: title }];
}

/** Figure 1b: the scores of a weight sample, and those kept by each method's mask. */
async function scoreHistogram(spec: PlotSpec, rows: RunRow[], dir: string, name: string): Promise<BuiltPlot[]> {
  const series: { name: string; values: number[] }[] = [];
  for (const row of firstPerMethod(rows)) {
    const sample = readAnalysis(row.dir)?.scoreSample;
    if (!sample) continue;
    if (series.length === 0) series.push({ name: `${methodFamily(String(row.method))} scores (all sampled weights)`, values: sample.scores });
    series.push({ name: `kept by ${row.method}`, values: sample.scores.filter((_, i) => sample.kept[i]) });
  }
  if (series.length === 0) return [];
  const title = spec.title || `Scores of sampled weights and the kept ones (${describeRows(rows)})`;
  // Scores span many orders of magnitude (SynFlow's are products along paths): bin them in log space.
  const files = await histogramOverlay(series, { dir, name, title, xTitle: 'score (log scale)', yTitle: 'count', normalize: 'count', bins: 50, log: true, xScale: 'log' });
  return [{ files, caption: title }];
}

/** Figure 2a: per-layer norms of the ticket and of random masks across densities (mean over seeds). */
async function maskNormPlot(spec: PlotSpec, rows: RunRow[], dir: string, name: string): Promise<BuiltPlot[]> {
  const points = new Map<string, { x: number; values: number[] }[]>();
  const add = (series: string, x: number, value: number): void => {
    if (!points.has(series)) points.set(series, []);
    const list = points.get(series)!;
    const point = list.find((p) => p.x === x) ?? (list.push({ x, values: [] }), list[list.length - 1]!);
    point.values.push(value);
  };
  for (const row of rows) {
    for (const level of readAnalysis(row.dir)?.maskNorms ?? []) {
      level.layers.forEach((layer, j) => {
        add(`ticket layer ${j + 1}`, level.density * 100, layer.ticket);
        add(`random layer ${j + 1}`, level.density * 100, layer.random);
      });
    }
  }
  if (points.size === 0) return [];
  const series: LineSeries[] = [...points].map(([seriesName, list]) => ({
    name: seriesName,
    points: list.sort((a, b) => a.x - b.x).map((p) => ({ x: p.x, y: mean(p.values) })),
  }));
  const title = spec.title || `Frobenius norms of ticket vs random masks (${describeRows(rows)})`;
  const files = await lineChart(series, { dir, name, title, xTitle: 'remaining weights (%)', yTitle: 'weight Frobenius norm', legendTitle: 'mask', errors: 'none' });
  return [{ files, caption: title }];
}

/** Figure 2b: the distribution of random-mask norms per layer; the ticket's norm is given in the caption. */
async function randomMaskNormPlot(spec: PlotSpec, rows: RunRow[], dir: string, name: string): Promise<BuiltPlot[]> {
  const row = rows.find((r) => readAnalysis(r.dir)?.randomMaskNorms);
  if (!row) return [];
  const norms = readAnalysis(row.dir)!.randomMaskNorms!;
  const series = norms.layers.map((layer, j) => ({ name: `layer ${j + 1} (${layer.name})`, values: layer.random }));
  const tickets = norms.layers.map((layer, j) => {
    const above = layer.random.filter((v) => v >= layer.ticket).length / layer.random.length;
    return `layer ${j + 1}: ticket ${layer.ticket.toFixed(3)} (fraction of random masks ≥ ticket: ${above.toFixed(4)})`;
  }).join('; ');
  const title = spec.title || `Norms of ${norms.layers[0]?.random.length ?? 0} random masks at ${formatPercent(norms.density)} density`;
  const files = await histogramOverlay(series, { dir, name, title, xTitle: 'weight Frobenius norm', yTitle: 'probability', normalize: 'probability', bins: 60 });
  return [{ files, caption: `${title}. ${tickets}` }];
}

function firstPerMethod(rows: RunRow[]): RunRow[] {
  const seen = new Map<string, RunRow>();
  for (const row of [...rows].sort((a, b) => Number(a.seed ?? 0) - Number(b.seed ?? 0))) {
    if (!seen.has(String(row.method))) seen.set(String(row.method), row);
  }
  return [...seen.values()];
}

function describeRows(rows: RunRow[]): string {
  const unique = (field: string): string => [...new Set(rows.map((r) => field === 'density' ? formatPercent(r[field]) : String(r[field])))].join('/');
  return `${unique('model')}, ${unique('dataset')}, density ${unique('density')}`;
}

function methodFamily(method: string): string { return method.split(' ')[0] ?? method; }

function mean(values: number[]): number { return values.reduce((a, b) => a + b, 0) / values.length; }

/** The report's tables as Markdown, for printing to a terminal. */
export function toMarkdownTables(report: ReportOutput): string {
  return report.tables.map((t) => toMarkdown(t.table)).join('\n');
}
