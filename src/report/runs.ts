// Reads run directories (layout in schema.ts) into plain records, and flattens them into table rows.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MetricsRecord, RunConfig, RunRecord, RunResult } from './schema.js';

/** A run file that exists but cannot be used; names the file and, for JSONL, the 1-based line. */
export class RunFileError extends Error {
  constructor(readonly file: string, readonly line: number | undefined, problem: string) {
    super(`${file}${line === undefined ? '' : `:${line}`}: ${problem}`);
    this.name = 'RunFileError';
  }
}

export interface ReadRunsOptions {
  /** How many directory levels below the root to search for run directories (default 4). */
  maxDepth?: number;
}

/**
 * Every run directory (a directory with config.json) at or below `root`, sorted by path, with its status
 * (finished, diverged, failed, running, unfinished: see RunStatus). A corrupt file throws RunFileError naming it.
 */
export function readRuns(root: string, options: ReadRunsOptions = {}): RunRecord[] {
  const maxDepth = options.maxDepth ?? 4;
  if (!fs.existsSync(root)) throw new RunFileError(path.resolve(root), undefined, 'runs directory does not exist');
  if (!fs.statSync(root).isDirectory()) throw new RunFileError(path.resolve(root), undefined, 'is not a directory');
  const runs: RunRecord[] = [];
  const visit = (dir: string, depth: number): void => {
    if (fs.existsSync(path.join(dir, 'config.json'))) {
      runs.push(readRun(dir));
      return;
    }
    if (depth >= maxDepth) return;
    const entries = fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    for (const name of entries.sort()) visit(path.join(dir, name), depth + 1);
  };
  visit(path.resolve(root), 0);
  return runs;
}

/** One run directory. */
export function readRun(dir: string): RunRecord {
  const absolute = path.resolve(dir);
  const config = parseConfig(path.join(absolute, 'config.json'));
  const resultFile = ['result.json', 'record.json'].map((f) => path.join(absolute, f)).find((f) => fs.existsSync(f));
  const result = resultFile === undefined ? undefined : parseResult(resultFile);
  const metricsFile = path.join(absolute, 'metrics.jsonl');
  const warnings: string[] = [];
  // A torn last line is what a writer killed mid-append leaves; `train --resume` drops it, so the report skips it
  // too (with a warning) instead of refusing the whole directory.
  const metrics = fs.existsSync(metricsFile)
    ? (readJsonl(metricsFile, { tolerateTornLastLine: true, onTornLastLine: (line) => warnings.push(`${metricsFile}:${line}: torn last line skipped`) }) as MetricsRecord[])
    : [];
  const record: RunRecord = {
    dir: absolute,
    name: typeof config.name === 'string' && config.name !== '' ? config.name : path.basename(absolute),
    status: 'unfinished',
    config,
    ...(result === undefined ? {} : { result, resultFile }),
    metrics,
    warnings,
  };
  if (result !== undefined) {
    record.status = Number.isNaN(result.testAccuracy) ? 'diverged' : 'finished';
    return record;
  }
  const holder = lockHolder(path.join(absolute, 'running.lock'));
  if (holder !== undefined) return { ...record, status: 'running', holder };
  const errorFile = path.join(absolute, 'error.txt');
  if (fs.existsSync(errorFile)) {
    const text = fs.readFileSync(errorFile, 'utf8');
    const error = text.split('\n').find((line) => line.trim() !== '')?.trim() ?? '(empty error.txt)';
    return { ...record, status: isDivergence(text) ? 'diverged' : 'failed', error };
  }
  return record;
}

/**
 * error.txt of a run whose loss or weights became NaN/infinite: train/'s NonFiniteLossError by name (in-process
 * runs write its stack), or by its message (a worker process passes on only the message).
 */
export function isDivergence(errorText: string): boolean {
  return /\bNonFiniteLossError\b|training stopped: (?:the (?:test )?loss is (?:NaN|-?Infinity)|a weight became NaN or infinite)/.test(errorText);
}

/**
 * The live process holding a run's lock file, or undefined (no lock, or its process is gone). The file holds a
 * pid, or JSON with `pid` and `host`; a lock taken on another host cannot be checked from here and counts as
 * held.
 */
export function lockHolder(file: string): { pid: number; host?: string } | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  let pid: number | undefined;
  let host: string | undefined;
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value === 'number') pid = value;
    else if (isPlainObject(value)) {
      if (typeof value.pid === 'number') pid = value.pid;
      const named = value.host ?? value.hostname;
      if (typeof named === 'string') host = named;
    }
  } catch {
    const match = /^\s*(\d+)/.exec(text);
    if (match) pid = Number(match[1]);
  }
  if (pid === undefined || !Number.isInteger(pid) || pid <= 0) return undefined;
  if (host !== undefined && host !== os.hostname()) return { pid, host };
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return undefined;
  }
  return host === undefined ? { pid } : { pid, host };
}

export interface ReadJsonlOptions {
  /**
   * Skip a last line that does not parse: a writer may be appending to it right now, or was killed mid-line
   * (train --resume drops such a line too). Any earlier bad line is still an error.
   */
  tolerateTornLastLine?: boolean;
  /** Called with the 1-based line number when a torn last line was skipped. */
  onTornLastLine?: (line: number) => void;
}

/** Parses a JSON-lines file whose every non-blank line is a JSON object. */
export function readJsonl(file: string, options: ReadJsonlOptions = {}): Record<string, unknown>[] {
  const text = fs.readFileSync(file, 'utf8');
  const lines = text.split('\n');
  const records: Record<string, unknown>[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      // The last non-blank line, with or without its newline (as train/'s readMetrics treats it).
      const isTornLast = lines.slice(i + 1).every((rest) => rest.trim() === '');
      if (isTornLast && options.tolerateTornLastLine) {
        options.onTornLastLine?.(i + 1);
        break;
      }
      throw new RunFileError(file, i + 1, `invalid JSON (${(error as Error).message}): ${abbreviate(line)}`);
    }
    if (!isPlainObject(value)) throw new RunFileError(file, i + 1, `expected a JSON object, got ${describe(value)}`);
    records.push(value);
  }
  return records;
}

/** One flat row per finished run: config fields, then result fields (result wins on a name clash), plus name/dir. */
export interface RunRow {
  name: string;
  dir: string;
  [field: string]: unknown;
}

/**
 * Rows of the finished and the diverged runs. A diverged row carries `diverged: true` and testAccuracy NaN (its
 * other result fields only if it wrote a result): tables show it as diverged, never as a number in a mean.
 */
export function runRows(runs: readonly RunRecord[]): RunRow[] {
  return runs
    .filter((run) => run.status === 'finished' || run.status === 'diverged')
    .map((run) => run.status === 'finished'
      ? { ...run.config, ...run.result, name: run.name, dir: run.dir }
      : { ...run.config, ...run.result, testAccuracy: Number.NaN, diverged: true, name: run.name, dir: run.dir });
}

function parseConfig(file: string): RunConfig {
  const value = readJsonObject(file);
  checkOptional(file, value, 'name', 'string');
  checkOptional(file, value, 'preset', 'string');
  checkOptional(file, value, 'model', 'string');
  checkOptional(file, value, 'dataset', 'string');
  checkOptional(file, value, 'method', 'string');
  checkOptional(file, value, 'density', 'number');
  checkOptional(file, value, 'seed', 'number');
  if (typeof value.density === 'number' && !(value.density > 0 && value.density <= 1)) {
    throw new RunFileError(file, undefined, `density must be a kept fraction in (0, 1], got ${value.density}`);
  }
  return value as RunConfig;
}

function parseResult(file: string): RunResult {
  const value = readJsonObject(file);
  if (!('testAccuracy' in value)) throw new RunFileError(file, undefined, 'missing field "testAccuracy"');
  for (const field of ['testAccuracy', 'top5'] as const) {
    if (!(field in value)) continue;
    const v = value[field];
    if (v === null) { value[field] = Number.NaN; continue; } // diverged run: JSON has no NaN
    if (typeof v !== 'number' || v < 0 || v > 1) {
      throw new RunFileError(file, undefined, `"${field}" must be a fraction in [0, 1] or null, got ${describe(v)}`);
    }
  }
  checkOptional(file, value, 'measuredDensity', 'number');
  checkOptional(file, value, 'seconds', 'number');
  return value as RunResult;
}

function readJsonObject(file: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new RunFileError(file, undefined, `invalid JSON (${(error as Error).message})`);
  }
  if (!isPlainObject(value)) throw new RunFileError(file, undefined, `expected a JSON object, got ${describe(value)}`);
  return value;
}

function checkOptional(file: string, value: Record<string, unknown>, field: string, type: 'string' | 'number'): void {
  if (field in value && typeof value[field] !== type) {
    throw new RunFileError(file, undefined, `"${field}" must be a ${type}, got ${describe(value[field])}`);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `${typeof value} ${abbreviate(JSON.stringify(value) ?? String(value))}`;
}

function abbreviate(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
