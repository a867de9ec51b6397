// `sketchprune demo`: the main job — SynFlow vs SynFlow with the randomized (sketch) mask and χ input on the
// real Fashion-MNIST, trained and reported, in about a quarter of an hour on two cores.
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  buildReport, checkExperimentDevices, loadExperiment, onDevice, parseDevice, resolveExperimentFile, runExperiment, toMarkdownTables,
} from '../experiments/index.js';

const help = `Usage: sketchprune demo [--quick] [--out DIR] [--report DIR] [--workers N] [--device DEVICE]

Prunes LeNet-300-100 at initialization with SynFlow, SynFlow + χ input, SynFlow + randomized mask and
SynFlow + randomized mask + χ at 10%, 5% and 2% density (3 seeds), trains each on the real Fashion-MNIST and
writes a report with the table (mean ± std over seeds) and a plot of accuracy vs density. About 15 minutes
on 2 cores; re-running skips finished runs and resumes interrupted ones (preset: presets/demo.yaml).

Options:
  --quick        a smoke version: 2 methods × 3 densities × 1 seed, 100 training steps each (well under a minute)
  --out DIR      runs directory (default runs/demo, or runs/demo-quick)
  --report DIR   report directory (default reports/demo, or reports/demo-quick)
  --workers N    parallel runs (default: the number of cores, at most 4), one torch thread each
  --device D     cpu, cuda or cuda:N for every run (default cpu; cuda needs a CUDA libtorch build)
  -h, --help     this text`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false }, out: { type: 'string' }, report: { type: 'string' },
      workers: { type: 'string' }, device: { type: 'string', default: 'cpu' }, help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) { console.log(help); return 0; }
  const workers = values.workers === undefined ? Math.max(1, Math.min(4, os.availableParallelism())) : Number(values.workers);
  if (!Number.isInteger(workers) || workers < 1) {
    console.error(`sketchprune demo: --workers must be a positive integer, got '${values.workers}'`);
    return 2;
  }
  const suffix = values.quick ? '-quick' : '';
  const out = values.out ?? path.join('runs', `demo${suffix}`);
  const reportDir = values.report ?? path.join('reports', `demo${suffix}`);
  let device;
  try { device = parseDevice(values.device!, '--device'); } catch (error) {
    console.error(`sketchprune demo: ${(error as Error).message}`);
    return 2;
  }
  let experiment = loadExperiment(resolveExperimentFile('demo'), values.quick ? 'quick' : 'cpu');
  if (device !== 'cpu') experiment = onDevice(experiment, device);
  checkExperimentDevices(experiment); // before any run: a CPU-only libtorch refuses cuda here
  console.log(`${experiment.title}\n${experiment.runs.length} runs, ${workers} in parallel; expected: ${experiment.estimate}`);
  console.log(`runs: ${path.resolve(out)}`);
  const started = Date.now();
  // Small networks train fastest with one torch thread per process; parallel runs use the other cores.
  const outcomes = await runExperiment(experiment, { out, workers, threadsPerWorker: 1 });
  const failed = outcomes.filter((o) => o.status === 'failed').length;
  console.log(`all runs done in ${((Date.now() - started) / 1000).toFixed(0)} s (${failed} failed)`);
  const report = await buildReport(out, reportDir);
  console.log(`\n${toMarkdownTables(report)}`);
  console.log(`report: ${path.resolve(report.html)}`);
  console.log(`tables: ${report.tables.map((t) => path.resolve(t.markdown)).join(', ')}`);
  return failed > 0 ? 1 : 0;
}
