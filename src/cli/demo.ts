// `sketchprune demo`: the main job — SynFlow vs SynFlow with the randomized (sketch) mask and χ input on the
// real Fashion-MNIST, trained and reported. Its runs are `run demo`'s: either command resumes the other.
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  buildReport, checkExperimentDevices, expectedSeconds, formatDuration, loadExperiment, onDevice,
  resolveExperimentFile, runExperiment, toMarkdownTables, type Experiment,
} from '../experiments/index.js';
import { reportsPath, runsPath } from './paths.js';
import { experimentProgress } from './progress.js';
import { UsageError, deviceName } from './args.js';
import { writeRunsEvents, writeTrainingEvents } from '../report/index.js';

const defaultWorkers = (): number => Math.max(1, Math.min(4, os.availableParallelism()));

/** "about 7 min with 2 workers (measured 23 s per run)": the same numbers the start line and the ETA use. */
function expected(experiment: Experiment, workers: number): string {
  const seconds = expectedSeconds(experiment, experiment.runs.length, workers, os.availableParallelism());
  return seconds === undefined ? 'not measured' : `about ${formatDuration(seconds)} with ${workers} workers on idle cores`;
}

function help(): string {
  const load = (scale: 'cpu' | 'quick') => loadExperiment(resolveExperimentFile('demo'), scale);
  return `Usage: sketchprune demo [--quick] [--out DIR] [--report DIR] [--workers N] [--device DEVICE] [--tensorboard] [--verbose]

Prunes LeNet-300-100 at initialization with SynFlow, SynFlow + χ input, SynFlow + randomized mask and
SynFlow + randomized mask + χ at 10%, 5% and 2% density (3 seeds), trains each on the real Fashion-MNIST and
writes a report with the table (mean ± std over seeds) and a plot of accuracy vs density. Expected time:
${expected(load('cpu'), defaultWorkers())} (preset presets/demo.yaml: ${load('cpu').estimate}).
Re-running skips finished runs and resumes interrupted ones; 'sketchprune run demo' shares the same runs.

Options:
  --quick        a smoke version: 2 methods × 3 densities × 1 seed, 100 training steps each
                 (${expected(load('quick'), defaultWorkers())})
  --out DIR      runs directory (default runs/demo, or runs/demo-quick, below the output root; the same
                 as 'run demo' [--scale quick], so either command resumes the other)
  --report DIR   report directory (default reports/demo, or reports/demo-quick)
  --workers N    parallel runs (default: the number of cores, at most 4), one torch thread each
  --device D     cpu, cuda or cuda:N for every run (default cpu; cuda needs a CUDA libtorch build)
  --tensorboard  write each run's training curves as TensorBoard event files into its directory
  --verbose      print every run's training lines (default: one progress line per finished run; the
                 full log is in <runs directory>/log.txt)
  -h, --help     this text`;
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false }, out: { type: 'string' }, report: { type: 'string' },
      workers: { type: 'string' }, device: { type: 'string', default: 'cpu' }, verbose: { type: 'boolean', default: false }, tensorboard: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) { console.log(help()); return 0; }
  const workers = values.workers === undefined ? defaultWorkers() : Number(values.workers);
  if (!Number.isInteger(workers) || workers < 1) throw new UsageError(`--workers must be a positive integer, got '${values.workers}'`);
  const suffix = values.quick ? '-quick' : '';
  const out = values.out ?? runsPath(`demo${suffix}`);
  const reportDir = values.report ?? reportsPath(`demo${suffix}`);
  const device = deviceName('--device', values.device!);
  let experiment = loadExperiment(resolveExperimentFile('demo'), values.quick ? 'quick' : 'cpu');
  if (device !== 'cpu') experiment = onDevice(experiment, device);
  checkExperimentDevices(experiment); // before any run: a CPU-only libtorch refuses cuda here
  console.log(`${experiment.title}\n${experiment.runs.length} runs, ${workers} in parallel; expected ${expected(experiment, workers)}`);
  console.log(`runs: ${path.resolve(out)} (full log: log.txt there)`);
  const started = Date.now();
  const progress = experimentProgress({
    total: experiment.runs.length, workers, runSeconds: experiment.runSeconds, logFile: path.join(out, 'log.txt'), verbose: values.verbose,
    // --tensorboard: each run's curves as soon as it finishes (all runs again at the end, skipped ones too)
    ...(values.tensorboard ? { onDone: (i: number) => { writeTrainingEvents(path.join(out, experiment.runs[i]!.dirName)); } } : {}),
  });
  // Small networks train fastest with one torch thread per process; parallel runs use the other cores.
  const outcomes = await runExperiment(experiment, { out, workers, threadsPerWorker: 1, log: progress.log });
  progress.finish();
  if (values.tensorboard) console.log(`tensorboard: ${writeRunsEvents(out).length} runs; view with: tensorboard --logdir ${path.resolve(out)}`);
  const failed = outcomes.filter((o) => o.status === 'failed').length;
  console.log(`all runs done in ${formatDuration((Date.now() - started) / 1000)} (${failed} failed)`);
  const report = await buildReport(out, reportDir);
  console.log(`\n${toMarkdownTables(report)}`);
  console.log(`report: ${path.resolve(report.html)}`);
  console.log(`tables: ${report.tables.map((t) => path.resolve(t.markdown)).join(', ')}`);
  return failed > 0 ? 1 : 0;
}
