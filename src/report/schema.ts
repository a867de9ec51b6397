// The on-disk layout of one run directory, as report/ reads it. experiments/ writes these files; report/ owns
// their shape so that tables and plots never need live objects.
//
//   <run dir>/
//     config.json     RunConfig: one JSON object. Required: none; the fields below are checked when present.
//     result.json     RunResult: the final numbers, written once when the run has finished. `record.json` is
//                     read instead when result.json is absent (older name). No result file → run unfinished.
//     metrics.jsonl   MetricsRecord per line (one JSON object per line, each line ending in "\n"); optional. A
//                     torn last line (a writer stopped mid-line) is skipped with a warning, as `train --resume` does.
//     error.txt       Why the last attempt failed (its first line is "<ErrorName>: <message>"); a
//                     NonFiniteLossError (loss or weights became NaN/infinite) marks the run as diverged.
//     running.lock    Held while a process runs the run: its pid (plain, or JSON {"pid", "host"}).
//
// A run directory is any directory holding config.json; readRuns() searches below its root for them and does
// not descend into a run directory.
//
// Units: accuracies are fractions in [0, 1] (0.9301, not 93.01); a diverged run writes null (→ NaN when read).
// density is the kept fraction of prunable weights (0.1 = 10% kept), never the pruned fraction.

/** What report/ reads from config.json. Unlisted fields are kept as they are (the index signature). */
export interface RunConfig {
  /** Human-readable run name, e.g. "vgg19-synflow-d0.1-s0". */
  name?: string;
  /** Preset the run came from, e.g. "table1-cifar10". */
  preset?: string;
  model?: string;
  dataset?: string;
  /** Pruning method label as it should appear in tables, e.g. "SynFlow + rand. mask". */
  method?: string;
  /** Kept fraction of prunable weights, in (0, 1]. */
  density?: number;
  seed?: number;
  [field: string]: unknown;
}

/** The final result of a finished run (result.json or record.json). */
export interface RunResult {
  /** Top-1 test accuracy as a fraction in [0, 1]; NaN when the file says null (diverged). */
  testAccuracy: number;
  /** Top-5 test accuracy as a fraction in [0, 1]. */
  top5?: number;
  /** Density actually reached (exact keep count / prunable count); can differ from the requested one. */
  measuredDensity?: number;
  /** Wall time of the whole run in seconds. */
  seconds?: number;
  [field: string]: unknown;
}

/** One line of metrics.jsonl: free-form numbers with optional position fields. */
export interface MetricsRecord {
  epoch?: number;
  step?: number;
  /** "train", "test", "val", … */
  split?: string;
  [field: string]: unknown;
}

/**
 * finished: a result with a finite accuracy. diverged: training hit a NaN/infinite loss (error.txt says
 * NonFiniteLossError) or the result's accuracy is null. failed: error.txt holds another error. running: a live
 * process holds running.lock. unfinished: started earlier and interrupted, or not started (pending).
 */
export type RunStatus = 'finished' | 'diverged' | 'failed' | 'running' | 'unfinished';

/** A run directory as read from disk. */
export interface RunRecord {
  /** Absolute path of the run directory. */
  dir: string;
  /** config.name, else the directory's base name. */
  name: string;
  status: RunStatus;
  config: RunConfig;
  /** Present exactly when a result file exists (status 'finished', or 'diverged' with a null accuracy). */
  result?: RunResult;
  /** Which file the result came from (absolute path), when there is one. */
  resultFile?: string;
  /** Parsed metrics.jsonl lines in file order; empty when the file is absent. */
  metrics: MetricsRecord[];
  /** First line of error.txt, for 'failed' and 'diverged' runs without a result. */
  error?: string;
  /** The process holding running.lock, for 'running' runs. */
  holder?: { pid: number; host?: string };
  /** Problems that did not stop the report (e.g. a torn last metrics line that was skipped). */
  warnings?: string[];
}
