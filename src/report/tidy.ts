// The tidy (long-format) table of a runs directory: one row per run, one column per variable, numbers as
// numbers. It is what scripts read (pandas.read_csv), next to the paper-layout tables that people read.
import path from 'node:path';
import { csvNumber, toCsv, type Table } from './table.js';
import type { RunRecord } from './schema.js';

/**
 * Columns that lead, in this order; the rest follow: the other result fields (in order of first appearance),
 * then every other config field, nested objects flattened with dots ("train.lr", "pruning.method"); a config
 * field named like a result field is prefixed "config.".
 *
 *   name, status, method, model, dataset, density, seed   what the run is (density = kept fraction)
 *   testAccuracy       final top-1 test accuracy, a fraction in [0, 1] (empty: unfinished or diverged)
 *   bestTestAccuracy   the best test top-1 over the epochs evaluated (metrics.jsonl), else testAccuracy
 *   epochs             epochs completed (result.json, else the metrics' last epoch)
 *   seconds            wall time of the run in seconds
 */
export const tidyLeadingColumns = [
  'name', 'status', 'method', 'model', 'dataset', 'density', 'seed', 'testAccuracy', 'bestTestAccuracy', 'epochs', 'seconds',
] as const;

/** One row per run (finished or not); `root` makes the trailing `dir` column relative to the runs directory. */
export function tidyRunsTable(runs: readonly RunRecord[], root?: string): Table {
  const columns: string[] = [...tidyLeadingColumns];
  const seen = new Set<string>(columns);
  const add = (key: string): void => { if (!seen.has(key)) { seen.add(key); columns.push(key); } };
  for (const run of runs) for (const key of Object.keys(flatten(run.result ?? {}))) add(key);
  const resultKeys = new Set(columns);
  for (const run of runs) for (const key of configKeys(run, resultKeys)) add(key);
  add('dir');
  const rows = runs.map((run) => tidyRow(run, root, resultKeys));
  return {
    columns,
    rows: rows.map((row) => columns.map((c) => row.get(c) ?? '')),
    caption: 'All runs, one row each',
  };
}

export function tidyRunsCsv(runs: readonly RunRecord[], root?: string): string {
  const { caption: _caption, ...table } = tidyRunsTable(runs, root);
  return toCsv(table);
}

/** The config's flattened fields as columns: leading ones skipped, clashes with result columns prefixed. */
function configEntries(run: RunRecord, resultKeys: ReadonlySet<string>): [string, unknown][] {
  const leading = new Set<string>(['name', 'method', 'model', 'dataset', 'density', 'seed']);
  return Object.entries(flatten(run.config))
    .filter(([key]) => !leading.has(key))
    .map(([key, value]) => [resultKeys.has(key) || key === 'dir' ? `config.${key}` : key, value]);
}

function configKeys(run: RunRecord, resultKeys: ReadonlySet<string>): string[] {
  return configEntries(run, resultKeys).map(([key]) => key);
}

function tidyRow(run: RunRecord, root: string | undefined, resultKeys: ReadonlySet<string>): Map<string, string> {
  const row = new Map<string, string>();
  const config = run.config;
  const result = run.result;
  const set = (key: string, value: unknown): void => { row.set(key, csvValue(value)); };
  set('name', run.name);
  set('status', run.status);
  for (const key of ['method', 'model', 'dataset', 'density', 'seed'] as const) set(key, config[key]);
  set('testAccuracy', result?.testAccuracy);
  set('bestTestAccuracy', bestTestAccuracy(run));
  const lastEpoch = run.metrics.reduce<number | undefined>((last, m) => (typeof m.epoch === 'number' ? Math.max(last ?? 0, m.epoch) : last), undefined);
  set('epochs', typeof result?.epochs === 'number' ? result.epochs : lastEpoch);
  set('seconds', result?.seconds);
  for (const [key, value] of Object.entries(flatten(result ?? {}))) if (!row.has(key)) set(key, value);
  for (const [key, value] of configEntries(run, resultKeys)) set(key, value);
  set('dir', root === undefined ? run.dir : path.relative(path.resolve(root), run.dir) || '.');
  return row;
}

/** The best test top-1 among the metrics lines (test_top1), else the final accuracy; undefined if neither. */
export function bestTestAccuracy(run: RunRecord): number | undefined {
  const evaluated = run.metrics.map((m) => m.test_top1).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  const final = run.result?.testAccuracy;
  if (typeof final === 'number' && Number.isFinite(final)) evaluated.push(final);
  return evaluated.length === 0 ? undefined : Math.max(...evaluated);
}

/**
 * Nested plain objects become dotted keys; arrays of plain values (e.g. milestones) stay values (JSON text).
 * Arrays of objects (result.json's per-layer records) are left out: they are not one value per run.
 */
function flatten(value: Record<string, unknown>, prefix = '', into: Record<string, unknown> = {}): Record<string, unknown> {
  for (const [key, v] of Object.entries(value)) {
    const name = prefix === '' ? key : `${prefix}.${key}`;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) flatten(v as Record<string, unknown>, name, into);
    else if (!(Array.isArray(v) && v.some((item) => item !== null && typeof item === 'object'))) into[name] = v;
  }
  return into;
}

/** Numbers as numbers (NaN/missing → empty, which pandas reads as NaN), booleans true/false, arrays as JSON. */
function csvValue(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'number') return csvNumber(value);
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return JSON.stringify(value);
}
