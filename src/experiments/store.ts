// Run directories on disk: <out>/<run name>-<hash>/ with config.json (the full spec plus the fields report/
// reads), result.json once finished, and whatever the executor writes (masks, checkpoints, metrics.jsonl).
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../foundations/atomic.js';
import { acquireLock, releaseLock } from '../foundations/lock.js';
import type { RunConfig, RunResult } from '../report/schema.js';
import type { Experiment, PlannedRun } from './experiment.js';
import { runSchema, validateRunSpec, type RunSpec } from './run-spec.js';
import { ensureDirectory } from '../foundations/directories.js';

export type RunState = 'finished' | 'unfinished' | 'new';

export const files = {
  config: 'config.json',
  result: 'result.json',
  masks: 'masks.safetensors',
  metrics: 'metrics.jsonl',
  checkpoints: 'checkpoints',
  error: 'error.txt',
  experiment: 'experiment.json',
  lock: 'running.lock',
} as const;

/**
 * Claims a run directory for this process (running.lock names the process; see foundations/lock.ts). Returns the
 * pid of another live process that holds it, or undefined when the claim succeeded; a lock left by a dead process
 * is taken over (atomically: two processes finding the same stale lock cannot both win).
 */
export function claimRun(dir: string): number | undefined {
  ensureDirectory(dir);
  return acquireLock(path.join(dir, files.lock))?.pid;
}

/** Removes the run's lock if this process (or one of `pids`, e.g. its worker) holds it. */
export function releaseRun(dir: string, pids: number[] = [process.pid]): void {
  releaseLock(path.join(dir, files.lock), pids);
}

export function runDirectory(out: string, run: PlannedRun): string {
  return path.join(out, run.dirName);
}

export function runState(dir: string): RunState {
  if (fs.existsSync(path.join(dir, files.result))) return 'finished';
  if (fs.existsSync(path.join(dir, files.config))) return 'unfinished';
  return 'new';
}

/** config.json: the whole run spec, plus name/preset/hash and the table label `method` that report/ reads. */
export function configRecord(run: PlannedRun, preset: string): RunConfig {
  return { ...run.spec, name: run.name, preset, hash: run.hash, method: run.method };
}

/**
 * Creates the run directory with config.json, or checks that an existing one belongs to the same run (a hash
 * collision or a hand-edited directory would otherwise mix results).
 */
export function prepareRunDirectory(dir: string, run: PlannedRun, preset: string): void {
  const file = path.join(dir, files.config);
  if (fs.existsSync(file)) {
    const existing = JSON.parse(fs.readFileSync(file, 'utf8')) as { hash?: string };
    if (existing.hash !== run.hash) {
      throw new Error(`${file}: belongs to run hash ${existing.hash}, not ${run.hash}; move the directory away`);
    }
    return;
  }
  ensureDirectory(dir);
  writeFileAtomic(file, `${JSON.stringify(configRecord(run, preset), null, 2)}\n`);
}

/** The run spec stored in a run directory's config.json (the extra report fields dropped). */
export function readRunSpec(dir: string): RunSpec {
  const file = path.join(dir, files.config);
  const record = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  const spec = Object.fromEntries(Object.keys(runSchema.fields).filter((k) => k in record).map((k) => [k, record[k]]));
  return validateRunSpec(spec, file);
}

export function writeResult(dir: string, result: RunResult): void {
  writeFileAtomic(path.join(dir, files.result), `${JSON.stringify(result, jsonSafe, 2)}\n`);
}

/** experiment.json at the output root: the experiment's name, scale, report layout and run directories. */
export function writeExperimentIndex(out: string, experiment: Experiment): void {
  const record = {
    name: experiment.name,
    title: experiment.title,
    description: experiment.description,
    scale: experiment.scale,
    estimate: experiment.estimate,
    report: experiment.report,
    runs: experiment.runs.map((r) => r.dirName),
  };
  writeFileAtomic(path.join(out, files.experiment), `${JSON.stringify(record, null, 2)}\n`);
}

export interface ExperimentIndex {
  name: string;
  title: string;
  description: string;
  scale: string;
  estimate: string;
  report: Experiment['report'];
  runs: string[];
}

/** One experiment.json; a file that is not JSON or lacks the fields the report needs is an error naming it. */
export function readExperimentIndex(file: string): ExperimentIndex {
  let value: unknown;
  try {
    value = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`${file}: invalid JSON (${(error as Error).message}); delete it and re-run \`sketchprune run\` to rewrite it`);
  }
  const record = value as Partial<ExperimentIndex> | null;
  const problems: string[] = [];
  if (typeof record !== 'object' || record === null || Array.isArray(record)) problems.push('expected a JSON object');
  else {
    if (typeof record.name !== 'string') problems.push('"name" must be a string');
    if (!Array.isArray(record.runs) || !record.runs.every((r) => typeof r === 'string')) problems.push('"runs" must be a list of run directory names');
    const report = record.report as Partial<ExperimentIndex['report']> | undefined;
    if (typeof report !== 'object' || report === null || !Array.isArray(report.tables) || !Array.isArray(report.plots)) {
      problems.push('"report" must be an object with "tables" and "plots" lists');
    }
  }
  if (problems.length > 0) throw new Error(`${file}: ${problems.join('; ')}`);
  return { title: '', description: '', scale: '', estimate: '', ...record } as ExperimentIndex;
}

/** experiment.json files at or below `root` (the report command merges their layouts). */
export function readExperimentIndexes(root: string, maxDepth = 3): { dir: string; index: ExperimentIndex }[] {
  const found: { dir: string; index: ExperimentIndex }[] = [];
  const visit = (dir: string, depth: number): void => {
    const file = path.join(dir, files.experiment);
    if (fs.existsSync(file)) found.push({ dir, index: readExperimentIndex(file) });
    if (depth >= maxDepth || fs.existsSync(path.join(dir, files.config))) return;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) visit(path.join(dir, entry.name), depth + 1);
    }
  };
  visit(root, 0);
  return found;
}

/** JSON has no NaN/Infinity: a diverged accuracy is written as null (report/ reads it back as NaN). */
function jsonSafe(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? null : value;
}
