// Child-process entry for parallel runs: `node worker.js <run dir> <preset> [executor module URL]`. Sets the
// torch thread count from SKETCHPRUNE_THREADS, adopts the run's lock from its parent, runs the one run and writes
// its result; exit code 1 on failure. When the parent dies (any signal, SIGKILL included) or asks it to stop, and
// on SIGINT/SIGTERM, it stops at the next step boundary with a checkpoint and exits 130.
import path from 'node:path';
import { setNumThreads } from '../torch/index.js';
import { InterruptedError, installInterruptHandlers, interruptedExitCode, stopWithParent } from '../foundations/interrupt.js';
import { releaseLock, transferLock } from '../foundations/lock.js';
import { planRun } from './experiment.js';
import { executeAndRecord, type RunExecutor } from './scheduler.js';
import { files, readRunSpec } from './store.js';

async function main(): Promise<void> {
  const [dir, , executorUrl] = process.argv.slice(2);
  if (!dir) throw new Error('usage: worker.js <run dir> <preset> [executor module URL]');
  stopWithParent();
  installInterruptHandlers(() => {});
  const lock = path.join(dir, files.lock);
  transferLock(lock, process.ppid);
  process.on('exit', () => releaseLock(lock));
  const threads = Number(process.env.SKETCHPRUNE_THREADS ?? '0');
  if (Number.isInteger(threads) && threads > 0) setNumThreads(threads);
  const module = (await import(executorUrl ?? new URL('./execute.js', import.meta.url).href)) as { execute: RunExecutor };
  const run = planRun(readRunSpec(dir));
  await executeAndRecord(run, dir, module.execute, (line) => console.log(line));
}

main().then(
  () => process.exit(0),
  (error: Error) => {
    console.error(error.message ?? String(error));
    process.exit(error instanceof InterruptedError ? interruptedExitCode : 1);
  },
);
