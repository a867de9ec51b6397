// `sketchprune report DIR`: tables (Markdown, CSV), plots (PNG, SVG) and an HTML page from a runs directory.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { buildReport, statusLine, type ReportOutput } from '../experiments/index.js';
import { jsonOutput } from './json-output.js';
import { inputPath, reportsPath } from './paths.js';
import { writeRunsEvents } from '../report/index.js';

const help = `Usage: sketchprune report RUNS_DIR [--out REPORT_DIR]

Reads every run directory below RUNS_DIR (config.json, result.json, metrics.jsonl, analysis.json; a relative
RUNS_DIR not found here is looked up below the output root) and writes the report: the experiment's tables in
the paper's layout (mean ± std over seeds) as Markdown and CSV (numeric "<column> mean", "<column> std",
"<column> n"), runs.csv (one row per run: config, seed, density, final and best test accuracy, epochs, wall
time, status), its plots (accuracy vs density per method, weight and score histograms, mask norms) as PNG and
SVG, report.md, and index.html linking everything. Works on a partly finished directory (e.g. while a Slurm
array is running): it counts and lists the runs that are done, diverged (shown as "diverged" in the tables,
never averaged), failed (error.txt), running (a live process holds the run's lock) and pending (interrupted,
or not started).

Options:
  --out DIR      report directory (default reports/<name of RUNS_DIR> below the output root)
  --tensorboard  also write each run's training curves as TensorBoard event files into its directory
  --json         print the written files and run counts as JSON on stdout (messages go to stderr)
  -h, --help     this text`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true,
    options: { out: { type: 'string' }, json: { type: 'boolean', default: false }, tensorboard: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
  });
  if (values.help) { console.log(help); return 0; }
  if (positionals.length !== 1) {
    console.error(`sketchprune report: expected one RUNS_DIR argument, got ${positionals.length} (see --help)`);
    return 2;
  }
  const runsDir = inputPath(positionals[0]!);
  const out = values.out ?? reportsPath(path.basename(path.resolve(runsDir)));
  const json = jsonOutput(values.json);
  try {
    const report = await buildReport(runsDir, out, (line) => console.log(line));
    console.log(`${report.tables.length} tables, ${report.plots.length} plots. ${statusLine(report.status)}`);
    for (const table of report.tables) console.log(`  ${path.resolve(table.markdown)}`);
    console.log(`runs (one row each): ${path.resolve(report.runsCsv)}`);
    console.log(`report: ${path.resolve(report.html)}`);
    const events = values.tensorboard ? writeRunsEvents(runsDir) : [];
    if (values.tensorboard) console.log(`tensorboard: ${events.length} runs; view with: tensorboard --logdir ${path.resolve(runsDir)}`);
    json.emit({ ...reportJson(runsDir, report), ...(values.tensorboard ? { tensorboard: events.map((f) => path.resolve(f)) } : {}) });
    return 0;
  } finally {
    json.close();
  }
}

/** The report's files (absolute paths) and counts, as `report --json` and `run --json` print them. */
export function reportJson(runsDir: string, report: ReportOutput): Record<string, unknown> {
  return {
    runsDir: path.resolve(runsDir),
    dir: path.resolve(report.dir),
    html: path.resolve(report.html),
    markdown: path.resolve(report.markdown),
    runsCsv: path.resolve(report.runsCsv),
    tables: report.tables.map((t) => ({ title: t.title, markdown: path.resolve(t.markdown), csv: path.resolve(t.csv) })),
    plots: report.plots.map((p) => ({ svg: path.resolve(p.svg), png: path.resolve(p.png) })),
    finished: report.finished,
    unfinished: report.unfinished,
    status: report.status,
  };
}
