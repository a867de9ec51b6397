// `sketchprune run PRESET|CONFIG`: expands an experiment into runs and executes them (skipping finished runs,
// resuming unfinished ones), then writes the report.
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { processGroup } from '../distributed/index.js';
import {
  ConfigError, availableScales, buildReport, checkExperimentDevices, expectedSeconds, formatDuration, loadExperiment, onDevice,
  parseDevice, parseShard, planStates, presetNames, readConfigFile, resolveExperimentFile, runExperiment, scales,
  shardExperiment, slurmOptionProblems, submitSlurmArray, writeExperimentIndex, writeSlurmArray, type Experiment,
  type PlannedRun, type ReportOutput, type Scale, type Shard, type SlurmArrayOptions,
} from '../experiments/index.js';
import { type JsonOutput, withJsonOutput } from './json-output.js';
import { listMethods, listSelections } from '../pruning/index.js';
import { methodLines, selectionLines } from './method-facts.js';
import { reportJson } from './report.js';
import { experimentDirName, reportsPath, runsPath } from './paths.js';
import { experimentProgress } from './progress.js';
import { writeRunsEvents, writeTrainingEvents } from '../report/index.js';
import { parallelismProblem } from '../foundations/limits.js';
import { installInterruptHandlers, interruptedExitCode, stopRequested } from '../foundations/interrupt.js';

const help = `Usage: sketchprune run PRESET|CONFIG [options]

Runs every run of an experiment: a preset name (${presetNames().join(', ')})
or a JSON/YAML experiment file. Finished runs are skipped and unfinished ones resume, so re-running the same
command continues where it stopped. Afterwards the report (tables, plots, HTML) is written.

Options:
  --scale cpu|full|quick  which scale of the preset to run (default cpu: real Fashion-MNIST on a CPU;
                          full: the paper's models, datasets and 160-epoch recipe); a scale the preset
                          does not define is an error (--list shows each preset's scales)
  --quick                 the same as --scale quick (a smoke run of about a minute)
  --out DIR               runs directory (default runs/<name>, runs/<name>-<scale> for quick and full,
                          below the output root; 'demo' uses the same, so each resumes the other)
  --report DIR            report directory (default reports/<name>[-<scale>], likewise)
  --no-report             do not write the report
  --workers N             runs in parallel child processes (default 1); each gets cores/N torch threads
  --device DEVICE         run every run on cpu, cuda or cuda:N (default: each run's \`device\`, cpu unless
                          the file says otherwise); the device is part of a run's hash when it is not cpu
  --threads N             torch threads per run (default: cores / workers; 1 is fastest for the small
                          CPU-scale networks, and on a busy machine)
  --tensorboard           write each run's training curves as TensorBoard event files into its directory
                          (view with: tensorboard --logdir <runs directory>)
  --verbose               print every run's training lines (default: one progress line per finished run with
                          k/N done and an ETA; the full log is in <runs directory>/log.txt)
  --dry-run               list the runs and their state (new, unfinished, finished) without running
  --list                  list the presets with their titles and run counts, and the pruning methods and
                          selections (with their defaults) that an experiment file can name
  --json                  print the result as JSON on stdout (messages go to stderr): the runs with their
                          state (--dry-run) or outcome, and the report's files
  -h, --help              this text

Many machines (any scheduler; Slurm below). All processes share one --out directory: finished runs are
skipped, and a run being run by another process (running.lock) is left to it.
  --shard I/N             run only the I-th of N disjoint slices of the grid (1 ≤ I ≤ N; run k of the grid
                          belongs to slice k mod N + 1); writes no report unless --report is given: run
                          \`sketchprune report DIR\` once all slices are done (it lists what is still pending)
  --slurm                 write a Slurm job-array script (one array task per shard) to OUT/slurm/ instead of
                          running; each task runs \`run ... --shard $SLURM_ARRAY_TASK_ID/N --threads C\`
  --submit                with --slurm: submit the script with sbatch and print the job id
  --shards N              with --slurm: array tasks (default: one per run)
  --partition P           with --slurm: Slurm partition (default: the cluster's default)
  --gpus-per-task G       with --slurm: GPUs per task (the runs' device comes from the experiment file)
  --cpus-per-task C       with --slurm: CPUs per task (default 1); torch and BLAS threads are pinned to C
                          (--threads and OMP_NUM_THREADS), so every task computes alike
  --time T                with --slurm: time limit per task (minutes, HH:MM:SS, D-HH:MM:SS)
  --array-parallelism K   with --slurm: at most K tasks at once (--array=1-N%K)`;

export async function run(argv: string[]): Promise<number> {
  return withJsonOutput(argv, (json) => runCommand(argv, json));
}

async function runCommand(argv: string[], json: JsonOutput): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true,
    options: {
      scale: { type: 'string', default: 'cpu' }, out: { type: 'string' }, report: { type: 'string' },
      'no-report': { type: 'boolean', default: false }, workers: { type: 'string', default: '1' }, verbose: { type: 'boolean', default: false },
      tensorboard: { type: 'boolean', default: false }, device: { type: 'string' },
      threads: { type: 'string' }, 'dry-run': { type: 'boolean', default: false }, list: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      quick: { type: 'boolean', default: false }, shard: { type: 'string' }, slurm: { type: 'boolean', default: false },
      submit: { type: 'boolean', default: false }, shards: { type: 'string' }, partition: { type: 'string' },
      'gpus-per-task': { type: 'string' }, 'cpus-per-task': { type: 'string' }, time: { type: 'string' },
      'array-parallelism': { type: 'string' }, help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) { console.log(help); return 0; }
  if (values.list) { json.emit(listPresets()); return 0; }
  if (positionals.length !== 1) {
    console.error(`sketchprune run: expected one PRESET or CONFIG argument, got ${positionals.length} (see --help)`);
    return 2;
  }
  const scale = (values.quick ? 'quick' : values.scale) as Scale;
  if (values.quick && argv.some((a) => a === '--scale' || a.startsWith('--scale='))) {
    console.error('sketchprune run: --quick and --scale exclude each other (--quick means --scale quick)');
    return 2;
  }
  if (!scales.includes(scale)) {
    console.error(`sketchprune run: --scale must be one of ${scales.join(', ')}, got '${values.scale}'`);
    return 2;
  }
  const workers = positiveInteger('--workers', values.workers!);
  const threads = values.threads === undefined ? undefined : positiveInteger('--threads', values.threads);
  if (workers === undefined || (values.threads !== undefined && threads === undefined)) return 2;

  const slurmOnly = ['submit', 'shards', 'partition', 'gpus-per-task', 'cpus-per-task', 'time', 'array-parallelism'] as const;
  const stray = slurmOnly.filter((flag) => values[flag] !== undefined && values[flag] !== false);
  if (!values.slurm && stray.length > 0) {
    console.error(`sketchprune run: ${stray.map((f) => `--${f}`).join(', ')} only work${stray.length === 1 ? 's' : ''} with --slurm`);
    return 2;
  }
  if (values.slurm && values.shard !== undefined) {
    console.error('sketchprune run: --slurm writes one array task per shard itself; drop --shard (use --shards N for the count)');
    return 2;
  }
  let shard: Shard | undefined;
  if (values.shard !== undefined) {
    try {
      shard = parseShard(values.shard);
    } catch (error) {
      console.error(`sketchprune run: ${(error as Error).message}`);
      return 2;
    }
  }

  const experimentFile = resolveExperimentFile(positionals[0]!);
  let whole: Experiment;
  try {
    whole = loadExperiment(experimentFile, scale);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`sketchprune run: ${error.message}`);
    return 2;
  }
  if (values.device !== undefined) {
    try { whole = onDevice(whole, parseDevice(values.device, '--device')); } catch (error) {
      console.error(`sketchprune run: ${(error as Error).message}`);
      return 2;
    }
  }
  const experiment = shard === undefined ? whole : shardExperiment(whole, shard);
  const out = values.out ?? runsPath(experimentDirName(experiment.name, scale));
  const reportDir = values.report ?? reportsPath(experimentDirName(experiment.name, scale));
  if (values.slurm) return writeSlurm(values, experimentFile, whole, scale, out, threads);
  const slice = shard === undefined ? '' : `, shard ${shard.index}/${shard.count}: ${experiment.runs.length} of ${whole.runs.length} runs`;
  console.log(`${experiment.title || experiment.name} [${scale} scale]: ${whole.runs.length} runs in ${out}${slice}`);
  if (experiment.estimate) console.log(`expected cost: ${experiment.estimate}`);
  const seconds = expectedSeconds(experiment, experiment.runs.length, workers, os.availableParallelism());
  if (seconds !== undefined) console.log(`expected time: about ${formatDuration(seconds)} with ${workers} worker${workers > 1 ? 's' : ''} on idle cores (finished runs are skipped)`);

  const about = { experiment: experiment.name, title: experiment.title, scale, estimate: experiment.estimate, out: path.resolve(out) };
  if (values['dry-run']) {
    const plan = planStates(experiment, out);
    for (const { run: planned, state, dir } of plan) {
      console.log(`  ${state.padEnd(10)} ${planned.method.padEnd(32)} ${planned.spec.model} ${planned.spec.dataset} density ${planned.spec.density} seed ${planned.spec.seed}  ${dir}`);
    }
    json.emit({ ...about, dryRun: true, runs: plan.map(({ run: r, state, dir }) => ({ ...runJson(r, dir), state })) });
    return 0;
  }
  checkExperimentDevices(experiment); // before any run: a CPU-only libtorch refuses cuda here
  const started = Date.now();
  const progress = experimentProgress({
    total: experiment.runs.length, workers, runSeconds: experiment.runSeconds, logFile: path.join(out, 'log.txt'), verbose: values.verbose,
    // --tensorboard: each run's curves as soon as it finishes (all runs again at the end, skipped ones too)
    ...(values.tensorboard ? { onDone: (i: number) => { writeTrainingEvents(path.join(out, experiment.runs[i]!.dirName)); } } : {}),
  });
  // Ctrl-C / SIGTERM: every run (in this process or a worker) stops at its next step boundary with a checkpoint.
  const removeHandlers = installInterruptHandlers((signal) => {
    process.stderr.write(`\n${signal === 'SIGINT' ? 'interrupted' : signal}: stopping every run after its current step with a checkpoint ` +
      '(Ctrl-C again to quit at once)\n');
  });
  let outcomes: Awaited<ReturnType<typeof runExperiment>>;
  try {
    outcomes = await runExperiment(experiment, {
      out, workers, indexExperiment: whole, ...(threads === undefined ? {} : { threadsPerWorker: threads }), log: progress.log,
    });
  } finally {
    removeHandlers();
  }
  progress.finish();
  if (values.tensorboard) console.log(`tensorboard: ${writeRunsEvents(out).length} runs; view with: tensorboard --logdir ${path.resolve(out)}`);
  const interrupted = outcomes.filter((o) => o.status === 'interrupted');
  if (stopRequested() || interrupted.length > 0) {
    const done = outcomes.filter((o) => o.status === 'finished').length;
    console.log(`interrupted: ${done} runs finished, ${interrupted.length} stopped or not started (checkpoints kept).\n` +
      `resume with: sketchprune run ${argv.join(' ')}`);
    return interruptedExitCode;
  }
  const failed = outcomes.filter((o) => o.status === 'failed');
  if (processGroup()?.isWriter === false) return failed.length > 0 ? 1 : 0; // under launch, rank 0 reports
  console.log(`runs: ${outcomes.filter((o) => o.status === 'finished').length} done, ${outcomes.filter((o) => o.status === 'skipped').length} skipped (finished earlier), ${failed.length} failed; ${((Date.now() - started) / 1000).toFixed(0)} s`);
  // A shard writes no report unless asked: the other shards are still running into the same directory.
  let report: ReportOutput | undefined;
  if (!values['no-report'] && (shard === undefined || values.report !== undefined)) {
    report = await buildReport(out, reportDir);
    console.log(`report: ${path.resolve(report.html)} (Markdown: ${path.resolve(report.markdown)})`);
  }
  json.emit({
    ...about, dryRun: false, seconds: (Date.now() - started) / 1000,
    runs: outcomes.map((o) => ({ ...runJson(o.run, o.dir), state: o.before, status: o.status, seconds: o.seconds, ...(o.error === undefined ? {} : { error: o.error }) })),
    report: report === undefined ? null : reportJson(out, report),
  });
  return failed.length > 0 ? 1 : 0;
}

type Values = Record<string, string | boolean | undefined>;

/** --slurm: writes the job-array script (and submits it with --submit). */
function writeSlurm(values: Values, experimentFile: string, whole: Experiment, scale: string, out: string, threads: number | undefined): number {
  const name = whole.name;
  const runCount = whole.runs.length;
  const integer = (flag: string, min: number): number | undefined | null => {
    const text = values[flag];
    if (text === undefined) return undefined;
    const value = Number(text);
    if (!Number.isInteger(value) || value < min) {
      console.error(`sketchprune run: --${flag} must be an integer ≥ ${min}, got '${text}'`);
      return null;
    }
    return value;
  };
  const shards = integer('shards', 1);
  const gpus = integer('gpus-per-task', 0);
  const cpus = integer('cpus-per-task', 1);
  const parallelism = integer('array-parallelism', 1);
  if (shards === null || gpus === null || cpus === null || parallelism === null) return 2;
  const options: SlurmArrayOptions = {
    experiment: path.resolve(experimentFile), scale, out, shards: shards ?? runCount, jobName: `sketchprune-${name}-${scale}`,
    ...(values.partition === undefined ? {} : { partition: values.partition as string }),
    ...(gpus === undefined ? {} : { gpusPerTask: gpus }),
    ...(cpus === undefined ? {} : { cpusPerTask: cpus }),
    ...(values.time === undefined ? {} : { time: values.time as string }),
    ...(parallelism === undefined ? {} : { arrayParallelism: parallelism }),
    ...(threads === undefined ? {} : { threads }),
    ...(values.device === undefined ? {} : { device: values.device as string }),
  };
  const problems = slurmOptionProblems(options);
  if (problems.length > 0) {
    for (const problem of problems) console.error(`sketchprune run: ${problem}`);
    return 2;
  }
  if (options.shards > runCount) console.log(`note: ${options.shards} shards for ${runCount} runs: ${options.shards - runCount} tasks will have nothing to do`);
  const script = writeSlurmArray(options);
  // The grid goes into experiment.json now, so that `report` lists every run as pending before a task starts.
  writeExperimentIndex(out, whole);
  console.log(`${name} [${scale} scale]: ${runCount} runs in ${path.resolve(out)} as a Slurm array of ${options.shards} tasks`);
  console.log(`script: ${script.file}`);
  console.log(`task logs: ${script.logPattern}`);
  if (!values.submit) {
    console.log(`submit with: sbatch ${script.file}`);
  } else {
    const job = submitSlurmArray(script.file);
    console.log(`submitted: job ${job} (squeue -j ${job} shows its tasks)`);
  }
  console.log(`progress and results: sketchprune report ${out}`);
  return 0;
}

function positiveInteger(flag: string, text: string): number | undefined {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) {
    console.error(`sketchprune run: ${flag} must be a positive integer, got '${text}'`);
    return undefined;
  }
  const problem = parallelismProblem(flag, value);
  if (problem) {
    console.error(`sketchprune run: ${problem}`);
    return undefined;
  }
  return value;
}

/** The presets (with their run counts per scale), then the methods and selections an experiment file can name. */
function listPresets(): { presets: Record<string, unknown>[]; methods: Record<string, unknown>[]; selections: Record<string, unknown>[] } {
  const presets: Record<string, unknown>[] = [];
  const width = Math.max(...presetNames().map((name) => name.length)) + 2;
  for (const name of presetNames()) {
    try {
      const file = resolveExperimentFile(name);
      const offered = availableScales(readConfigFile(file) as Record<string, unknown>);
      const runs = Object.fromEntries(offered.map((scale) => [scale, loadExperiment(file, scale).runs.length]));
      const experiment = loadExperiment(resolveExperimentFile(name), 'cpu');
      console.log(`${name.padEnd(width)} ${experiment.title} (runs: ${Object.entries(runs).map(([scale, n]) => `${scale} ${n}`).join(', ')})`);
      presets.push({ name, title: experiment.title, runs });
    } catch (error) {
      console.log(`${name.padEnd(width)} INVALID: ${(error as Error).message}`);
      presets.push({ name, error: (error as Error).message });
    }
  }
  console.log(`\nMethods (pruning.method; 'none' is the dense baseline):\n${methodLines().join('\n')}`);
  console.log(`\nSelections (pruning.selection):\n${selectionLines().join('\n')}`);
  const methods = listMethods().map(({ name, label, describe, needs, trains, defaults, precisions }) =>
    ({ name, label, describe, needs, trains, defaults, ...(precisions ? { precisions } : {}) }));
  const selections = listSelections().map(({ name, describe, randomized }) => ({ name, describe, randomized: randomized ?? false }));
  return { presets, methods, selections };
}

/** One run as `run --json` lists it; `dir` absolute. */
function runJson(run: PlannedRun, dir: string): Record<string, unknown> {
  const { spec } = run;
  return { name: run.name, method: run.method, model: spec.model, dataset: spec.dataset, density: spec.density, seed: spec.seed, hash: run.hash, dir: path.resolve(dir) };
}
