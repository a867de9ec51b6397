// Builds the report of a runs directory: the tables each experiment asks for (paper layout, mean ± std over
// seeds) as Markdown and CSV, its plots as PNG and SVG, and one static HTML page linking everything.
import path from 'node:path';
import {
  aggregate, formatPercent, histogramOverlay, lineChart, pivotTable, readRuns, runRows, seriesFromAggregates, toCsv,
  markWithinOneStd, toMarkdown, tidyRunsCsv, writeHtmlPage, type Block, type PivotOptions, type LineSeries, type PlotFiles, type RunRecord, type RunRow, type Section,
  type Table,
} from '../report/index.js';
import { readAnalysis } from './analysis-file.js';
import { paperResultFor, type PaperResult } from './paper-results.js';
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
  /** runs.csv: the tidy table, one row per run (for scripts). */
  runsCsv: string;
  finished: number;
  unfinished: number;
  /** Run counts over all experiments of the directory; pending includes runs no process has started yet. */
  status: StatusCounts;
}

export interface StatusCounts { total: number; done: number; diverged: number; failed: number; running: number; pending: number }

/** A run as the status section lists it. */
interface StatusEntry { name: string; dir: string; note: string }

const defaultTable: TableSpec = {
  title: 'Test accuracy (%)', rows: ['dataset', 'model', 'density'], columns: 'method', value: 'testAccuracy',
  filter: {}, order: {}, scale: 100, digits: 2, highlight: 'row',
};

/** Reads every run below `runsDir` and writes the report into `reportDir`. */
export async function buildReport(runsDir: string, reportDir: string, log: (line: string) => void = () => {}): Promise<ReportOutput> {
  const runs = readRuns(runsDir);
  const indexes = readExperimentIndexes(runsDir);
  if (runs.length === 0 && indexes.length === 0) throw new Error(`${path.resolve(runsDir)}: no run directories (config.json) found below it`);
  ensureDirectory(reportDir);
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
    dir: reportDir, html: '', markdown: path.join(reportDir, 'report.md'), tables: [], plots: [], runsCsv: path.join(reportDir, 'runs.csv'),
    finished: runs.filter((r) => r.status === 'finished').length, unfinished: runs.filter((r) => r.status !== 'finished').length,
    status: { total: 0, done: 0, diverged: 0, failed: 0, running: 0, pending: 0 },
  };
  const sections: Section[] = [];
  const markdown: string[] = [];
  for (const { index, runs: members } of groups) {
    const rows = runRows(members);
    const blocks: Block[] = [];
    const heading = index.title || index.name;
    markdown.push(`## ${heading}\n`);
    const status = statusOf(members, index, indexes.find((i) => i.index === index)?.dir);
    for (const key of Object.keys(output.status) as (keyof StatusCounts)[]) output.status[key] += status.counts[key];
    const about = [index.description, `Scale: ${index.scale || 'unknown'}. ${statusLine(status.counts)}${index.estimate ? ` Expected cost: ${index.estimate}` : ''}`]
      .filter((t) => t !== '').join('\n\n');
    blocks.push({ kind: 'text', text: about });
    markdown.push(`${about}\n`);
    const tables = index.report.tables.length > 0 || index.report.plots.length > 0 ? index.report.tables : [defaultTable];
    tables.forEach((spec, i) => {
      const selected = filterRows(rows, spec.filter);
      if (selected.length === 0) return;
      const paper = paperNotes(index.name, spec);
      let table = buildTable(selected, spec, true, paper.cellNote);
      if (spec.highlight !== 'none') table = markWithinOneStd(table, spec.highlight);
      const about = paper.about();
      if (about !== undefined) table = { ...table, notes: [...(table.notes ?? []), about] };
      const base = `${safeFileName(index.name, 'experiment')}-table${i + 1}`;
      const md = path.join(reportDir, `${base}.md`);
      const csv = path.join(reportDir, `${base}.csv`);
      writeFileAtomic(md, toMarkdown(table));
      writeFileAtomic(csv, toCsv(buildTable(selected, spec, false))); // every row keyed in full, for scripts
      output.tables.push({ title: spec.title, markdown: md, csv, table });
      blocks.push({ kind: 'table', table }, { kind: 'links', label: 'This table as', links: [{ text: 'CSV (numeric mean, std, n)', file: csv }, { text: 'Markdown', file: md }] });
      markdown.push(toMarkdown(table), `This table as [CSV](${path.basename(csv)}) (numeric mean, std, n) and [Markdown](${path.basename(md)}).\n`);
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
    for (const [title, entries] of status.lists) {
      if (entries.length === 0) continue;
      const list = entries.map((e) => `- ${e.name}: ${e.note} (${e.dir})`).join('\n');
      blocks.push({ kind: 'text', text: `${title}:` }, { kind: 'code', text: list });
      markdown.push(`${title}:\n\n${list}\n`);
    }
    sections.push({ heading, blocks });
    log(`report: ${heading}: ${statusLine(status.counts)}`);
  }
  writeFileAtomic(output.runsCsv, tidyRunsCsv(runs, runsDir));
  const about = 'Every run, one row each (config, seed, density, final and best test accuracy as fractions, epochs, wall time, status), for scripts';
  sections.push({ heading: 'All runs', blocks: [{ kind: 'links', label: about, links: [{ text: 'runs.csv', file: output.runsCsv }] }] });
  markdown.push(`## All runs\n\n${about}: [runs.csv](runs.csv)\n`);
  output.html = writeHtmlPage(reportDir, {
    title: 'sketchprune report',
    subtitle: `Runs in ${path.resolve(runsDir)}; made ${new Date().toISOString()}`,
    sections,
  });
  writeFileAtomic(output.markdown, `# sketchprune report\n\n${markdown.join('\n')}`);
  return output;
}

/**
 * Where each run of an experiment stands: done, diverged, failed, running (a live process holds its lock) or
 * pending (interrupted, or listed in experiment.json but not started), with a list per state other than done.
 */
function statusOf(members: RunRecord[], index: ExperimentIndex, indexDir: string | undefined): { counts: StatusCounts; lists: [string, StatusEntry[]][] } {
  const entry = (run: RunRecord, note: string): StatusEntry => ({ name: run.name, dir: run.dir, note });
  const diverged = members.filter((r) => r.status === 'diverged').map((r) => entry(r, r.error ?? 'accuracy is null in the result'));
  const failed = members.filter((r) => r.status === 'failed').map((r) => entry(r, `${r.error} (details in error.txt)`));
  const running = members.filter((r) => r.status === 'running')
    .map((r) => entry(r, `process ${r.holder!.pid}${r.holder!.host === undefined ? '' : ` on ${r.holder!.host}`}`));
  const pending = members.filter((r) => r.status === 'unfinished').map((r) => entry(r, 'interrupted; resumes on the next run'));
  if (indexDir !== undefined) {
    const present = new Set(members.map((r) => r.dir));
    for (const name of index.runs) {
      const dir = path.resolve(indexDir, name);
      if (!present.has(dir)) pending.push({ name: name.replace(/-[0-9a-f]{16}$/, ''), dir, note: 'not started' });
    }
  }
  const done = members.filter((r) => r.status === 'finished').length;
  const warnings = members.flatMap((r) => (r.warnings ?? []).map((w) => ({ name: r.name, dir: r.dir, note: w })));
  return {
    counts: { total: done + diverged.length + failed.length + running.length + pending.length, done, diverged: diverged.length, failed: failed.length, running: running.length, pending: pending.length },
    lists: [
      ['Diverged runs (shown as diverged in the tables, never in a mean)', diverged],
      ['Failed runs (not in the tables; `sketchprune run` retries them)', failed],
      ['Running runs', running],
      ['Pending runs', pending],
      ['Warnings', warnings],
    ],
  };
}

/** "Runs: 6 of 10 done, 1 diverged, 1 failed, 1 running, 1 pending." */
export function statusLine(counts: StatusCounts): string {
  return `Runs: ${counts.done} of ${counts.total} done, ${counts.diverged} diverged, ${counts.failed} failed, ${counts.running} running, ${counts.pending} pending.`;
}

/** Rows whose fields equal every value in the filter; keys may be dotted paths ('pruning.method'). */
function filterRows(rows: RunRow[], filter: Record<string, unknown>): RunRow[] {
  const at = (row: RunRow, key: string): unknown =>
    key.split('.').reduce<unknown>((value, part) => (value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined), row);
  return rows.filter((row) => Object.entries(filter).every(([k, v]) => at(row, k) === v));
}

/**
 * The paper-layout table; `collapse` blanks a key that repeats the row above (for people, not for CSV);
 * `cellNote` adds a second line to a cell in HTML.
 */
export function buildTable(rows: RunRow[], spec: TableSpec, collapse = true, cellNote?: PivotOptions['cellNote']): Table {
  return pivotTable(rows, {
    rows: spec.rows,
    columns: spec.columns,
    value: spec.value,
    rowHeaders: spec.rows.map(header),
    formatKey: { density: formatPercent },
    order: spec.order,
    sort: { density: 'descending' },
    exclude: { test: (row) => (row as RunRow).diverged === true, label: 'diverged' },
    cell: { digits: spec.digits, scale: spec.scale },
    ...(spec.highlight === 'none' ? {} : { highlight: { best: 'max', within: spec.highlight } }),
    collapseRepeated: collapse,
    ...(cellNote === undefined ? {} : { cellNote }),
    ...(spec.title ? { caption: spec.title } : {}),
  });
}

/**
 * The HTML line under each cell: n (seeds), and for a test-accuracy table in percent the paper's number for the
 * same method and density (same dataset and network when the paper has them, else the preset's reference
 * setting, which `about` names).
 */
function paperNotes(experiment: string, spec: TableSpec): { cellNote: NonNullable<PivotOptions['cellNote']>; about(): string | undefined } {
  const comparable = spec.value === 'testAccuracy' && spec.scale === 100;
  const used = new Map<string, PaperResult>();
  let ours = new Set<string>();
  let inexact = false;
  const format = (r: PaperResult): string => (r.std === null ? r.mean.toFixed(2) : `${r.mean.toFixed(2)} ± ${r.std.toFixed(2)}`);
  return {
    cellNote(key, summary) {
      const n = `n = ${summary.n}`;
      const match = comparable ? paperResultFor(experiment, key) : undefined;
      if (!match) return n;
      const { result } = match;
      used.set(`${result.table}|${result.dataset}|${result.model}`, result);
      if (!match.exact) { inexact = true; ours = new Set([...ours, `${key.model} on ${key.dataset}`]); }
      return `${n} · paper ${format(result)}${match.exact ? '' : '*'}`;
    },
    about() {
      if (used.size === 0) return undefined;
      const settings = [...used.values()].map((r) => `${r.table}, ${r.model} on ${r.dataset}`);
      const where = `Under each cell of the HTML table: n (runs averaged here) and the paper's mean ± std over 3 seeds (${[...new Set(settings)].join('; ')}).`;
      return inexact
        ? `${where} * The paper has no numbers for ${[...ours].join(', ')}; the starred ones are its reference setting, a different network and dataset: compare the ranking of methods, not the values.`
        : where;
    },
  };
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
  // Counts on a symlog axis, so the kept weights (a small part of the sample) stay visible beside all of them.
  const files = await histogramOverlay(series, { dir, name, title, xTitle: 'score (log scale)', yTitle: 'count (symlog scale)', normalize: 'count', bins: 50, log: true, xScale: 'log', yScale: 'log' });
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
