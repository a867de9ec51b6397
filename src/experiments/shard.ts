// Disjoint slices of an experiment's grid, so that N independent processes (Slurm array tasks, a loop of ssh
// commands, anything) together run every run exactly once: `run PRESET --shard I/N`. The slice is round-robin
// over the grid's run order (run k goes to shard k mod N + 1): the grid varies its first axis slowest, so
// contiguous blocks would give one shard all the expensive models and another all the cheap ones.
import type { Experiment, PlannedRun } from './experiment.js';

export interface Shard {
  /** 1-based: the I of I/N (Slurm array task ids start at 1 in the scripts written here). */
  index: number;
  count: number;
}

/** Parses "I/N" with 1 ≤ I ≤ N; throws a RangeError naming the problem. */
export function parseShard(text: string): Shard {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!match) throw new RangeError(`--shard must look like I/N (e.g. 2/8: the 2nd of 8 slices), got '${text}'`);
  const index = Number(match[1]);
  const count = Number(match[2]);
  if (count < 1) throw new RangeError(`--shard ${text}: N must be at least 1`);
  if (index < 1 || index > count) throw new RangeError(`--shard ${text}: I must be between 1 and N = ${count}`);
  return { index, count };
}

/** The runs of shard I/N: run k (0-based, in grid order) belongs to shard (k mod N) + 1. */
export function shardRuns(runs: readonly PlannedRun[], shard: Shard): PlannedRun[] {
  return runs.filter((_, k) => k % shard.count === shard.index - 1);
}

/** The experiment restricted to one shard's runs (name, report layout and everything else unchanged). */
export function shardExperiment(experiment: Experiment, shard: Shard): Experiment {
  return { ...experiment, runs: shardRuns(experiment.runs, shard) };
}
