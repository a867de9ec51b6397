// The terminal view of a running experiment: one line per finished run with the overall count and an ETA,
// instead of every run's training lines interleaved (those go, complete, to <out>/log.txt; --verbose prints
// them too). Reads the scheduler's log lines, "[i/N] <run name>: <message>".
import fs from 'node:fs';
import path from 'node:path';
import { formatDuration } from '../experiments/index.js';
import { ensureDirectory } from '../foundations/directories.js';

export interface ExperimentProgressOptions {
  /** Runs in the experiment. */
  total: number;
  /** Parallel lanes (workers). */
  workers: number;
  /** The preset's measured seconds per run (0: unknown); the ETA uses it until runs of this session finish. */
  runSeconds: number;
  /** Every line is appended here (created with its directory). */
  logFile?: string;
  /** Print every line, as before. */
  verbose?: boolean;
  write?: (line: string) => void;
  now?: () => number;
  /** Called when run i (0-based, the experiment's order) has finished, e.g. to write its TensorBoard events. */
  onDone?: (index: number) => void;
}

export interface ExperimentProgress {
  log(line: string): void;
  /** Done, failed and skipped counts so far. */
  counts(): { done: number; failed: number; skipped: number; running: number };
  /** The status line as it reads now. */
  status(): string;
  finish(): void;
}

const linePattern = /^\[(\d+)\/(\d+)\] (\S+): (.*)$/;

export function experimentProgress(options: ExperimentProgressOptions): ExperimentProgress {
  const write = options.write ?? ((line: string) => console.log(line));
  const now = options.now ?? (() => Date.now());
  const started = now();
  if (options.logFile) ensureDirectory(path.dirname(options.logFile)); // one level at a time: fails at once under /proc
  const accuracy = new Map<string, string>();
  let done = 0;
  let failed = 0;
  let skipped = 0;
  let running = 0;
  let skipNoticePending = false;

  const remaining = (): number => options.total - done - failed - skipped;
  // Before a run of this session has finished: the preset's measured cost over the lanes. After: the pace so
  // far (elapsed / runs done), which includes parallelism and the machine's actual load.
  const eta = (): string => {
    const left = remaining();
    if (left === 0) return 'ETA 0 s';
    if (done > 0) return `ETA ${formatDuration(((now() - started) / 1000 / done) * left)}`;
    if (!(options.runSeconds > 0)) return 'ETA unknown';
    return `ETA ${formatDuration((left * options.runSeconds) / Math.max(1, Math.min(options.workers, left)))} (measured cost)`;
  };
  const status = (): string => {
    const finished = done + failed + skipped;
    const parts = [`${done} done`];
    if (skipped > 0) parts.push(`${skipped} skipped (finished earlier)`);
    if (failed > 0) parts.push(`${failed} failed`);
    if (running > 0) parts.push(`${running} running`);
    return `[${finished}/${options.total}] ${parts.join(', ')}; ${formatDuration((now() - started) / 1000)} elapsed, ${eta()}`;
  };
  const flushSkips = (): void => {
    if (!skipNoticePending) return;
    skipNoticePending = false;
    write(`${skipped} of ${options.total} runs finished earlier, skipped`);
  };

  return {
    log(line) {
      if (options.logFile) fs.appendFileSync(options.logFile, `${line}\n`);
      if (options.verbose) write(line);
      const match = linePattern.exec(line);
      if (!match) {
        if (!options.verbose) write(line);
        return;
      }
      const name = match[3]!;
      const message = match[4]!;
      const measured = /test accuracy ([\d.]+%)/.exec(message);
      if (measured) accuracy.set(name, measured[1]!);
      if (message === 'finished earlier, skipped' || /^being run by process \d+, skipped$/.test(message)) {
        skipped++;
        skipNoticePending = true;
        return;
      }
      flushSkips();
      if (message === 'starting' || message === 'resuming') {
        running++;
        return;
      }
      const finished = /^done in ([\d.]+) s$/.exec(message);
      if (finished) {
        running = Math.max(0, running - 1);
        done++;
        options.onDone?.(Number(match[1]) - 1);
        if (!options.verbose) write(`${status()}  (${name}${accuracy.has(name) ? `: test accuracy ${accuracy.get(name)}` : ''}, ${formatDuration(Number(finished[1]))})`);
        return;
      }
      if (message.startsWith('FAILED')) {
        running = Math.max(0, running - 1);
        failed++;
        if (!options.verbose) write(`${status()}  ${name}: ${message}`);
      }
    },
    counts: () => ({ done, failed, skipped, running }),
    status,
    finish() {
      flushSkips();
    },
  };
}
