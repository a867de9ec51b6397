// Slurm job arrays over a shared runs directory: one array task per shard, each task running
// `sketchprune run EXPERIMENT --shard $SLURM_ARRAY_TASK_ID/N` against the same --out. Slurm does all the
// scheduling; the per-run locks (running.lock) keep two tasks from running the same run, and finished runs are
// skipped, so resubmitting the same script after a partial failure only runs what is missing.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../foundations/atomic.js';

export interface SlurmArrayOptions {
  /** The experiment as the CLI takes it (preset name or file); files are made absolute. */
  experiment: string;
  scale: string;
  /** Shared runs directory (made absolute). */
  out: string;
  /** Array tasks = shards (1..N). */
  shards: number;
  partition?: string;
  gpusPerTask?: number;
  /** CPUs per task; torch threads are pinned to it (default 1). */
  cpusPerTask?: number;
  /** Slurm time limit per task: minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS. */
  time?: string;
  /** At most this many tasks at once (the %K of --array=1-N%K). */
  arrayParallelism?: number;
  /** Torch threads per task (default: cpusPerTask). */
  threads?: number;
  /** Device each task runs on (default: cuda when GPUs are requested, else the experiment's own). */
  device?: string;
  jobName?: string;
  /** Directory the tasks start in (default: the current one), so relative paths mean what they mean here. */
  workdir?: string;
  /** Node executable and the CLI entry point (default: this process's). */
  node?: string;
  cli?: string;
}

export interface SlurmArray {
  /** The sbatch script's path. */
  file: string;
  /** Where the tasks' stdout/stderr go (%A = array job id, %a = task id). */
  logPattern: string;
  text: string;
}

const timePattern = /^(?:\d+|\d+:\d{1,2}|\d+:\d{1,2}:\d{1,2}|\d+-\d+|\d+-\d+:\d{1,2}|\d+-\d+:\d{1,2}:\d{1,2}|UNLIMITED|INFINITE)$/;
const partitionPattern = /^[A-Za-z0-9_.-]+(?:,[A-Za-z0-9_.-]+)*$/;

/** Checks the options; returns the problems (empty when fine), each naming the flag. */
export function slurmOptionProblems(options: SlurmArrayOptions): string[] {
  const problems: string[] = [];
  const positive = (flag: string, value: number | undefined, min = 1): void => {
    if (value !== undefined && !(Number.isInteger(value) && value >= min)) problems.push(`${flag} must be an integer ≥ ${min}, got ${value}`);
  };
  positive('--shards', options.shards);
  positive('--gpus-per-task', options.gpusPerTask, 0);
  positive('--cpus-per-task', options.cpusPerTask);
  positive('--array-parallelism', options.arrayParallelism);
  positive('--threads', options.threads);
  if (options.partition !== undefined && !partitionPattern.test(options.partition)) {
    problems.push(`--partition must be a partition name (letters, digits, '_', '.', '-', comma-separated), got '${options.partition}'`);
  }
  if (options.time !== undefined && !timePattern.test(options.time)) {
    problems.push(`--time must be a Slurm time limit (minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS), got '${options.time}'`);
  }
  return problems;
}

/** Quotes a word for bash (single quotes; a quote inside becomes '\''). */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The sbatch job-array script (text only; writeSlurmArray puts it on disk). */
export function slurmArrayScript(options: SlurmArrayOptions, logPattern: string): string {
  const problems = slurmOptionProblems(options);
  if (problems.length > 0) throw new RangeError(problems.join('; '));
  const cpus = options.cpusPerTask ?? 1;
  const threads = options.threads ?? cpus;
  const node = options.node ?? process.execPath;
  const cli = options.cli ?? path.resolve(process.argv[1] ?? 'bin/sketchprune.js');
  const workdir = path.resolve(options.workdir ?? process.cwd());
  const out = path.resolve(options.out);
  const experiment = fs.existsSync(options.experiment) ? path.resolve(options.experiment) : options.experiment;
  const name = options.jobName ?? `sketchprune-${path.basename(experiment).replace(/\.(json|ya?ml)$/, '')}-${options.scale}`;
  const parallelism = options.arrayParallelism === undefined ? '' : `%${options.arrayParallelism}`;
  const directives = [
    `--job-name=${name}`,
    `--array=1-${options.shards}${parallelism}`,
    '--ntasks=1',
    `--cpus-per-task=${cpus}`,
    ...(options.partition === undefined ? [] : [`--partition=${options.partition}`]),
    ...(options.gpusPerTask === undefined || options.gpusPerTask === 0 ? [] : [`--gpus-per-task=${options.gpusPerTask}`]),
    ...(options.time === undefined ? [] : [`--time=${options.time}`]),
    `--output=${logPattern}`,
  ];
  const command = [node, cli, 'run', experiment, '--scale', options.scale, '--out', out,
    '--shard', `\${SLURM_ARRAY_TASK_ID}/${options.shards}`, '--threads', String(threads), ...deviceFlag(options)];
  return [
    '#!/bin/bash',
    `# Written by \`sketchprune run ${experiment} --scale ${options.scale} --slurm\`: ${options.shards} array tasks, task I runs`,
    `# shard I/${options.shards} of the grid into the shared runs directory ${out}.`,
    '# Resubmitting it is safe: finished runs are skipped, unfinished ones resume, running ones are left alone.',
    // sbatch reads these lines itself (no shell): values are validated above; only a path may need quotes.
    ...directives.map((d) => `#SBATCH ${/\s/.test(d) ? `"${d}"` : d}`),
    'set -euo pipefail',
    ': "${SLURM_ARRAY_TASK_ID:?submit this script with sbatch: it is a job array}"',
    `cd ${shellQuote(workdir)}`,
    '# The same thread count in every task (and as a local --threads run): results match run for run.',
    `export OMP_NUM_THREADS=${threads} SKETCHPRUNE_THREADS=${threads}`,
    `exec ${command.map((word) => word.includes('${') ? `"${word}"` : shellQuote(word)).join(' ')}`,
    '',
  ].join('\n');
}

/** Writes the script to <out>/slurm/<job name>.sbatch (logs beside it) and returns where. */
export function writeSlurmArray(options: SlurmArrayOptions): SlurmArray {
  const dir = path.join(path.resolve(options.out), 'slurm');
  const logPattern = path.join(dir, '%x-%A_%a.out');
  const text = slurmArrayScript(options, logPattern);
  const name = /--job-name=(\S+)/.exec(text)![1]!;
  const file = path.join(dir, `${name}.sbatch`);
  writeFileAtomic(file, text); // makes the directory
  fs.chmodSync(file, 0o755);
  return { file, logPattern, text };
}

/** Submits a script with `sbatch --parsable`; returns the job id. Throws with sbatch's own message on failure. */
export function submitSlurmArray(file: string, sbatch = process.env.SKETCHPRUNE_SBATCH ?? 'sbatch'): string {
  const result = spawnSync(sbatch, ['--parsable', file], { encoding: 'utf8' });
  if (result.error) {
    const missing = (result.error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new Error(missing
      ? `${sbatch} not found: submit from a machine with Slurm's client tools (the script is ${file})`
      : `${sbatch} ${file}: ${result.error.message}`);
  }
  if (result.status !== 0) {
    throw new Error(`${sbatch} ${file} failed (exit ${result.status}): ${(result.stderr || result.stdout).trim()}`);
  }
  const id = result.stdout.trim().split(';')[0]!;
  if (!/^\d+$/.test(id)) throw new Error(`${sbatch} ${file}: unexpected answer '${result.stdout.trim()}' (expected a job id)`);
  return id;
}

/** A task given GPUs trains on them unless told otherwise; Slurm's CUDA_VISIBLE_DEVICES makes `cuda` the task's GPU. */
function deviceFlag(options: SlurmArrayOptions): string[] {
  const device = options.device ?? ((options.gpusPerTask ?? 0) > 0 ? 'cuda' : undefined);
  return device === undefined ? [] : ['--device', device];
}
