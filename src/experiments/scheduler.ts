// Runs an experiment's runs: finished runs are skipped, unfinished ones resume (the executor picks up saved
// masks and checkpoints), new ones start. With workers > 1 each run goes to a child process with fewer torch
// threads, so independent runs share the cores instead of fighting over them.
import { fork } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import readline from 'node:readline';
import type { RunResult } from '../report/schema.js';
import { getNumThreads, releaseFreeMemory, setNumThreads, threadSettings } from '../torch/index.js';
import { processGroup } from '../distributed/index.js';
import { InterruptedError, interruptedExitCode, stopRequested, stopSignal } from '../foundations/interrupt.js';
import type { Experiment, PlannedRun } from './experiment.js';
import {
  claimRun, releaseRun, files, prepareRunDirectory, runDirectory, runState, writeExperimentIndex, writeResult, type RunState,
} from './store.js';
import { writeFileAtomic } from '../foundations/atomic.js';
import { ensureDirectory } from '../foundations/directories.js';

export interface RunContext {
  /** The run directory (exists, holds config.json). */
  dir: string;
  /** A progress line for this run (the scheduler prefixes the run's name). */
  log(line: string): void;
}

export type RunExecutor = (run: PlannedRun, context: RunContext) => Promise<RunResult>;

export interface ScheduleOptions {
  out: string;
  /** Parallel child processes (default 1: in this process). */
  workers?: number;
  /** In-process executor (workers = 1). Default: the real prune → train → evaluate executor. */
  execute?: RunExecutor;
  /** Module (path) exporting `execute: RunExecutor` for child processes; default ./execute.js. */
  executorModule?: string;
  /** Torch threads per child (default: cores / workers, at least 1). */
  threadsPerWorker?: number;
  /**
   * The experiment whose run list goes into experiment.json (default: the one being run). A shard runs a slice
   * but records the whole grid, so that `report` can list the runs no shard has started yet as pending.
   */
  indexExperiment?: Experiment;
  log?: (line: string) => void;
}

export interface RunOutcome {
  run: PlannedRun;
  dir: string;
  before: RunState;
  /** interrupted: a stop was requested (Ctrl-C, SIGTERM); the run keeps its checkpoint and resumes on a rerun. */
  status: 'skipped' | 'finished' | 'failed' | 'interrupted';
  error?: string;
  seconds: number;
}

/** What each run would do now, without doing it (for --dry-run). */
export function planStates(experiment: Experiment, out: string): { run: PlannedRun; dir: string; state: RunState }[] {
  return experiment.runs.map((run) => {
    const dir = runDirectory(out, run);
    return { run, dir, state: runState(dir) };
  });
}

export async function runExperiment(experiment: Experiment, options: ScheduleOptions): Promise<RunOutcome[]> {
  const workers = Math.max(1, options.workers ?? 1);
  // Under `sketchprune launch` every rank takes every run, in the same order, and trains it data-parallel; rank 0
  // alone claims, writes and logs, and its decisions reach the other ranks through the process group.
  const group = processGroup();
  const writer = !group || group.isWriter;
  if (group && workers > 1) throw new Error('a data-parallel launch runs each run on all its ranks: use --workers 1');
  const log = !writer ? () => {} : options.log ?? ((line: string) => console.log(line));
  if (writer) {
    ensureDirectory(options.out);
    writeExperimentIndex(options.out, options.indexExperiment ?? experiment);
  }
  const states = planStates(experiment, options.out);
  const total = states.length;
  const outcomes: RunOutcome[] = new Array(total);
  const pending: number[] = [];
  states.forEach(({ run, dir, state }, i) => {
    if (state === 'finished') {
      outcomes[i] = { run, dir, before: state, status: 'skipped', seconds: 0 };
      log(`[${i + 1}/${total}] ${run.name}: finished earlier, skipped`);
    } else {
      pending.push(i);
    }
  });

  group?.agree('which runs are left to do (a checksum of their indices)', pending.reduce((sum, i) => (sum * 31 + i + 1) % 2 ** 31, pending.length));
  const execute = options.execute ?? (await loadExecutor(options.executorModule));
  const threads = options.threadsPerWorker ?? Math.max(1, Math.floor(os.availableParallelism() / workers));
  // In-process runs are pinned like workers: intra-op and BLAS threads (more threads than free cores makes
  // libtorch's OpenMP spin: measured 20–50× slower for small networks on a loaded 2-core machine). With the same
  // thread count a run computes the same bits in this process or in a worker; config.json records the count.
  // Without --threads an in-process run keeps this process's intra-op count (a library caller's setting).
  if (workers === 1) setNumThreads(options.threadsPerWorker ?? getNumThreads());
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < pending.length) {
      const i = pending[next++]!;
      const { run, dir, state } = states[i]!;
      const prefix = `[${i + 1}/${total}] ${run.name}`;
      const started = Date.now();
      // Under launch every rank must take the same branch: a stop asked on any rank stops all of them here.
      const stop = group ? group.allReduceNumbers([stopRequested() ? 1 : 0], 'max')[0]! > 0 : stopRequested();
      if (stop) {
        outcomes[i] = { run, dir, before: state, status: 'interrupted', seconds: 0 };
        continue;
      }
      let owner = writer ? claimRun(dir) : undefined;
      if (group) { // rank 0's claim decides for every rank
        const decided = group.allReduceNumbers([owner ?? -1], 'max')[0]!;
        owner = decided < 0 ? undefined : decided;
      }
      if (owner !== undefined) {
        outcomes[i] = { run, dir, before: state, status: 'skipped', seconds: 0 };
        log(`${prefix}: being run by process ${owner}, skipped`);
        continue;
      }
      // Another process may have finished the run between planning and this claim: never run it twice.
      if (runState(dir) === 'finished') {
        releaseRun(dir);
        outcomes[i] = { run, dir, before: state, status: 'skipped', seconds: 0 };
        log(`${prefix}: finished by another process meanwhile, skipped`);
        continue;
      }
      const workerPids: number[] = [];
      log(`${prefix}: ${state === 'unfinished' ? 'resuming' : 'starting'}`);
      try {
        if (writer) prepareRunDirectory(dir, run, experiment.name);
        group?.barrier(); // the run directory exists before any rank looks into it
        if (workers === 1) {
          await executeAndRecord(run, dir, execute, (line) => log(`${prefix}: ${line}`), writer);
        } else {
          await runInChild(dir, experiment.name, options.executorModule, threads, (line) => log(`${prefix}: ${line}`), workerPids);
        }
        const seconds = (Date.now() - started) / 1000;
        outcomes[i] = { run, dir, before: state, status: 'finished', seconds };
        log(`${prefix}: done in ${seconds.toFixed(1)} s`);
      } catch (error) {
        const message = (error as Error).message ?? String(error);
        if (error instanceof InterruptedError) {
          outcomes[i] = { run, dir, before: state, status: 'interrupted', error: message, seconds: (Date.now() - started) / 1000 };
          log(`${prefix}: interrupted (${message}); its checkpoint is kept and a rerun resumes it`);
          continue;
        }
        let details = ` (details in ${path.join(dir, files.error)})`;
        if (writer) {
          try {
            ensureDirectory(dir);
            fs.writeFileSync(path.join(dir, files.error), `${(error as Error).stack ?? message}\n`);
          } catch (writeError) {
            details = ` (and ${files.error} could not be written: ${(writeError as Error).message})`; // e.g. the disk is full
          }
        }
        outcomes[i] = { run, dir, before: state, status: 'failed', error: message, seconds: (Date.now() - started) / 1000 };
        log(`${prefix}: FAILED: ${message}${details}`);
        if (group) throw error; // the ranks may be out of step now: end the launch rather than risk a mismatched collective
      } finally {
        if (writer) releaseRun(dir, [process.pid, ...workerPids]);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(workers, Math.max(1, pending.length)) }, lane));
  return outcomes;
}

/** Runs the executor and writes result.json; clears an error file left by an earlier failed attempt. */
export async function executeAndRecord(run: PlannedRun, dir: string, execute: RunExecutor, log: (line: string) => void, write = true): Promise<RunResult> {
  if (write) recordThreads(dir, log);
  const result = await execute(run, { dir, log });
  releaseFreeMemory(); // the next run in this process starts from an unfragmented heap
  if (!write) return result;
  writeResult(dir, result);
  fs.rmSync(path.join(dir, files.error), { force: true });
  return result;
}

/**
 * Records the thread counts that shape a run's arithmetic (intra-op and BLAS) in its config.json at the first
 * attempt; a later attempt with other counts is told that its numbers may differ in the last bits.
 */
function recordThreads(dir: string, log: (line: string) => void): void {
  const file = path.join(dir, files.config);
  if (!fs.existsSync(file)) return;
  const config = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  const now = threadSettings();
  const recorded = config.threads as { intraOp: number; blas: number | null } | undefined;
  if (recorded === undefined) {
    writeFileAtomic(file, `${JSON.stringify({ ...config, threads: now }, null, 2)}\n`);
  } else if (recorded.intraOp !== now.intraOp || recorded.blas !== now.blas) {
    log(`warning: this attempt runs on ${now.intraOp} intra-op / ${now.blas ?? '-'} BLAS threads, the run started on ` +
      `${recorded.intraOp} / ${recorded.blas ?? '-'}: its numbers may differ in the last bits from an uninterrupted run`);
  }
}

async function loadExecutor(module: string | undefined): Promise<RunExecutor> {
  const url = module === undefined ? new URL('./execute.js', import.meta.url).href : pathToModuleUrl(module);
  const loaded = (await import(url)) as { execute?: RunExecutor };
  if (typeof loaded.execute !== 'function') throw new Error(`${module ?? 'execute.js'}: exports no execute(run, context) function`);
  return loaded.execute;
}

function pathToModuleUrl(module: string): string {
  return module.startsWith('file:') ? module : new URL(`file://${path.resolve(module)}`).href;
}

/**
 * One run in a child process (worker.js); its output lines come back through `log`. The worker adopts the run's
 * lock, stops at a step boundary with a checkpoint when this process asks (a stop request here) or dies, and
 * exits 130 then.
 */
function runInChild(dir: string, preset: string, executorModule: string | undefined, threads: number, log: (line: string) => void,
  pids: number[]): Promise<void> {
  const worker = fileURLToPath(new URL('./worker.js', import.meta.url));
  const args = [dir, preset, ...(executorModule === undefined ? [] : [pathToModuleUrl(executorModule)])];
  return new Promise((resolve, reject) => {
    const child = fork(worker, args, {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: { ...process.env, SKETCHPRUNE_THREADS: String(threads), OMP_NUM_THREADS: String(threads) },
    });
    if (child.pid !== undefined) pids.push(child.pid);
    const forwardStop = (): void => { if (child.connected) child.send({ type: 'stop' }, () => {}); };
    stopSignal().addEventListener('abort', forwardStop);
    if (stopRequested()) forwardStop();
    let lastError = '';
    readline.createInterface({ input: child.stdout! }).on('line', log);
    readline.createInterface({ input: child.stderr! }).on('line', (line) => { lastError = line; log(line); });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      stopSignal().removeEventListener('abort', forwardStop);
      if (code === 0) resolve();
      else if (code === interruptedExitCode) reject(new InterruptedError(lastError || 'the worker stopped on request'));
      else reject(new Error(`worker exited with ${signal ?? `code ${code}`}${lastError ? `: ${lastError}` : ''}`));
    });
  });
}
