// `sketchprune run PRESET|CONFIG`: expands an experiment into runs and executes them (skipping finished runs,
// resuming unfinished ones), then writes the report.
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  buildReport, expectedSeconds, formatDuration, loadExperiment, planStates, presetNames, resolveExperimentFile, runExperiment, scales, type PlannedRun,
  type ReportOutput, type Scale,
} from '../experiments/index.js';
import { jsonOutput, type JsonOutput } from './json-output.js';
import { reportJson } from './report.js';
import { experimentDirName, reportsPath, runsPath } from './paths.js';
import { experimentProgress } from './progress.js';
import { writeRunsEvents, writeTrainingEvents } from '../report/index.js';

const help = `Usage: sketchprune run PRESET|CONFIG [options]

Runs every run of an experiment: a preset name (${presetNames().join(', ')})
or a JSON/YAML experiment file. Finished runs are skipped and unfinished ones resume, so re-running the same
command continues where it stopped. Afterwards the report (tables, plots, HTML) is written.

Options:
  --scale cpu|full|quick  which scale of the preset to run (default cpu: real Fashion-MNIST on a CPU;
                          full: the paper's models, datasets and 160-epoch recipe)
  --out DIR               runs directory (default runs/<name>, runs/<name>-<scale> for quick and full,
                          below the output root; 'demo' uses the same, so each resumes the other)
  --report DIR            report directory (default reports/<name>[-<scale>], likewise)
  --no-report             do not write the report
  --workers N             runs in parallel child processes (default 1); each gets cores/N torch threads
  --threads N             torch threads per run (default: cores / workers; 1 is fastest for the small
                          CPU-scale networks, and on a busy machine)
  --tensorboard           write each run's training curves as TensorBoard event files into its directory
                          (view with: tensorboard --logdir <runs directory>)
  --verbose               print every run's training lines (default: one progress line per finished run with
                          k/N done and an ETA; the full log is in <runs directory>/log.txt)
  --dry-run               list the runs and their state (new, unfinished, finished) without running
  --list                  list the presets with their titles and run counts
  --json                  print the result as JSON on stdout (messages go to stderr): the runs with their
                          state (--dry-run) or outcome, and the report's files
  -h, --help              this text`;

export async function run(argv: string[]): Promise<number> {
  const json = jsonOutput(argv.includes('--json'));
  try {
    return await runCommand(argv, json);
  } finally {
    json.close();
  }
}

async function runCommand(argv: string[], json: JsonOutput): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true,
    options: {
      scale: { type: 'string', default: 'cpu' }, out: { type: 'string' }, report: { type: 'string' },
      'no-report': { type: 'boolean', default: false }, workers: { type: 'string', default: '1' }, verbose: { type: 'boolean', default: false },
      tensorboard: { type: 'boolean', default: false },
      threads: { type: 'string' }, 'dry-run': { type: 'boolean', default: false }, list: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) { console.log(help); return 0; }
  if (values.list) { json.emit(listPresets()); return 0; }
  if (positionals.length !== 1) {
    console.error(`sketchprune run: expected one PRESET or CONFIG argument, got ${positionals.length} (see --help)`);
    return 2;
  }
  const scale = values.scale as Scale;
  if (!scales.includes(scale)) {
    console.error(`sketchprune run: --scale must be one of ${scales.join(', ')}, got '${values.scale}'`);
    return 2;
  }
  const workers = positiveInteger('--workers', values.workers!);
  const threads = values.threads === undefined ? undefined : positiveInteger('--threads', values.threads);
  if (workers === undefined || (values.threads !== undefined && threads === undefined)) return 2;

  const experiment = loadExperiment(resolveExperimentFile(positionals[0]!), scale);
  const out = values.out ?? runsPath(experimentDirName(experiment.name, scale));
  const reportDir = values.report ?? reportsPath(experimentDirName(experiment.name, scale));
  console.log(`${experiment.title || experiment.name} [${scale} scale]: ${experiment.runs.length} runs in ${out}`);
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
  const started = Date.now();
  const progress = experimentProgress({
    total: experiment.runs.length, workers, runSeconds: experiment.runSeconds, logFile: path.join(out, 'log.txt'), verbose: values.verbose,
    // --tensorboard: each run's curves as soon as it finishes (all runs again at the end, skipped ones too)
    ...(values.tensorboard ? { onDone: (i: number) => { writeTrainingEvents(path.join(out, experiment.runs[i]!.dirName)); } } : {}),
  });
  const outcomes = await runExperiment(experiment, {
    out, workers, ...(threads === undefined ? {} : { threadsPerWorker: threads }), log: progress.log,
  });
  progress.finish();
  if (values.tensorboard) console.log(`tensorboard: ${writeRunsEvents(out).length} runs; view with: tensorboard --logdir ${path.resolve(out)}`);
  const failed = outcomes.filter((o) => o.status === 'failed');
  console.log(`runs: ${outcomes.filter((o) => o.status === 'finished').length} done, ${outcomes.filter((o) => o.status === 'skipped').length} skipped (finished earlier), ${failed.length} failed; ${((Date.now() - started) / 1000).toFixed(0)} s`);
  let report: ReportOutput | undefined;
  if (!values['no-report']) {
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

function positiveInteger(flag: string, text: string): number | undefined {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) {
    console.error(`sketchprune run: ${flag} must be a positive integer, got '${text}'`);
    return undefined;
  }
  return value;
}

function listPresets(): { presets: Record<string, unknown>[] } {
  const presets: Record<string, unknown>[] = [];
  for (const name of presetNames()) {
    try {
      const runs = Object.fromEntries(scales.map((scale) => [scale, loadExperiment(resolveExperimentFile(name), scale).runs.length]));
      const experiment = loadExperiment(resolveExperimentFile(name), 'cpu');
      console.log(`${name.padEnd(14)} ${experiment.title} (runs: ${Object.entries(runs).map(([scale, n]) => `${scale} ${n}`).join(', ')})`);
      presets.push({ name, title: experiment.title, runs });
    } catch (error) {
      console.log(`${name.padEnd(14)} INVALID: ${(error as Error).message}`);
      presets.push({ name, error: (error as Error).message });
    }
  }
  return { presets };
}

/** One run as `run --json` lists it; `dir` absolute. */
function runJson(run: PlannedRun, dir: string): Record<string, unknown> {
  const { spec } = run;
  return { name: run.name, method: run.method, model: spec.model, dataset: spec.dataset, density: spec.density, seed: spec.seed, hash: run.hash, dir: path.resolve(dir) };
}
