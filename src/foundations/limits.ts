// Upper bounds on what a command line may ask for. Past them the work does not get faster, only stuck: libtorch
// tried to start 100,000 threads and hung, a grid of 10^9 runs filled memory while being listed.
import os from 'node:os';

/** Threads (per process) and parallel worker processes: at most 4 per core. */
export function maxParallelism(): number {
  return 4 * Math.max(1, os.availableParallelism());
}

/** The problem with a --threads / --workers value, or undefined. */
export function parallelismProblem(flag: string, value: number): string | undefined {
  const max = maxParallelism();
  if (value > max) return `${flag} ${value} is more than 4 per core (${max} on this machine); more only slows the work down`;
  return undefined;
}

/** Runs an experiment may expand to; a grid past this is refused before it is expanded. */
export const maxRunsPerExperiment = 100_000;
