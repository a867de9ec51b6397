// `sketchprune run PRESET|CONFIG`: expands an experiment into runs and executes them (skipping finished runs,
// resuming unfinished ones), then writes the report.
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  buildReport, loadExperiment, planStates, presetNames, resolveExperimentFile, runExperiment, scales, type Scale,
} from '../experiments/index.js';
import { parallelismProblem } from '../foundations/limits.js';
import { installInterruptHandlers, interruptedExitCode, stopRequested } from '../foundations/interrupt.js';

const help = `Usage: sketchprune run PRESET|CONFIG [options]

Runs every run of an experiment: a preset name (${presetNames().join(', ')})
or a JSON/YAML experiment file. Finished runs are skipped and unfinished ones resume, so re-running the same
command continues where it stopped. Afterwards the report (tables, plots, HTML) is written.

Options:
  --scale cpu|full|quick  which scale of the preset to run (default cpu: real Fashion-MNIST on a CPU;
                          full: the paper's models, datasets and 160-epoch recipe)
  --out DIR               runs directory (default runs/<name>-<scale>)
  --report DIR            report directory (default reports/<name>-<scale>)
  --no-report             do not write the report
  --workers N             runs in parallel child processes (default 1); each gets cores/N torch threads
  --threads N             torch threads per run (default: cores / workers; 1 is fastest for the small
                          CPU-scale networks, and on a busy machine)
  --dry-run               list the runs and their state (new, unfinished, finished) without running
  --list                  list the presets with their titles and run counts
  -h, --help              this text`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true,
    options: {
      scale: { type: 'string', default: 'cpu' }, out: { type: 'string' }, report: { type: 'string' },
      'no-report': { type: 'boolean', default: false }, workers: { type: 'string', default: '1' },
      threads: { type: 'string' }, 'dry-run': { type: 'boolean', default: false }, list: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) { console.log(help); return 0; }
  if (values.list) { listPresets(); return 0; }
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
  const out = values.out ?? path.join('runs', `${experiment.name}-${scale}`);
  const reportDir = values.report ?? path.join('reports', `${experiment.name}-${scale}`);
  console.log(`${experiment.title || experiment.name} [${scale} scale]: ${experiment.runs.length} runs in ${out}`);
  if (experiment.estimate) console.log(`expected cost: ${experiment.estimate}`);

  if (values['dry-run']) {
    for (const { run: planned, state, dir } of planStates(experiment, out)) {
      console.log(`  ${state.padEnd(10)} ${planned.method.padEnd(32)} ${planned.spec.model} ${planned.spec.dataset} density ${planned.spec.density} seed ${planned.spec.seed}  ${dir}`);
    }
    return 0;
  }
  const started = Date.now();
  // Ctrl-C / SIGTERM: every run (in this process or a worker) stops at its next step boundary with a checkpoint.
  const removeHandlers = installInterruptHandlers((signal) => {
    process.stderr.write(`\n${signal === 'SIGINT' ? 'interrupted' : signal}: stopping every run after its current step with a checkpoint ` +
      '(Ctrl-C again to quit at once)\n');
  });
  let outcomes: Awaited<ReturnType<typeof runExperiment>>;
  try {
    outcomes = await runExperiment(experiment, {
      out, workers, ...(threads === undefined ? {} : { threadsPerWorker: threads }),
    });
  } finally {
    removeHandlers();
  }
  const interrupted = outcomes.filter((o) => o.status === 'interrupted');
  if (stopRequested() || interrupted.length > 0) {
    const done = outcomes.filter((o) => o.status === 'finished').length;
    console.log(`interrupted: ${done} runs finished, ${interrupted.length} stopped or not started (checkpoints kept).\n` +
      `resume with: sketchprune run ${argv.join(' ')}`);
    return interruptedExitCode;
  }
  const failed = outcomes.filter((o) => o.status === 'failed');
  console.log(`runs: ${outcomes.filter((o) => o.status === 'finished').length} done, ${outcomes.filter((o) => o.status === 'skipped').length} skipped (finished earlier), ${failed.length} failed; ${((Date.now() - started) / 1000).toFixed(0)} s`);
  if (!values['no-report']) {
    const report = await buildReport(out, reportDir);
    console.log(`report: ${path.resolve(report.html)} (Markdown: ${path.resolve(report.markdown)})`);
  }
  return failed.length > 0 ? 1 : 0;
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

function listPresets(): void {
  for (const name of presetNames()) {
    try {
      const counts = scales.map((scale) => `${scale} ${loadExperiment(resolveExperimentFile(name), scale).runs.length}`).join(', ');
      const experiment = loadExperiment(resolveExperimentFile(name), 'cpu');
      console.log(`${name.padEnd(14)} ${experiment.title} (runs: ${counts})`);
    } catch (error) {
      console.log(`${name.padEnd(14)} INVALID: ${(error as Error).message}`);
    }
  }
}
