// `sketchprune report DIR`: tables (Markdown, CSV), plots (PNG, SVG) and an HTML page from a runs directory.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { buildReport } from '../experiments/index.js';

const help = `Usage: sketchprune report RUNS_DIR [--out REPORT_DIR]

Reads every run directory below RUNS_DIR (config.json, result.json, metrics.jsonl, analysis.json) and writes
the report: the experiment's tables in the paper's layout (mean ± std over seeds) as Markdown and CSV (numeric
"<column> mean", "<column> std", "<column> n"), runs.csv (one row per run: config, seed, density, final and
best test accuracy, epochs, wall time, status), its plots (accuracy vs density per method, weight and score
histograms, mask norms) as PNG and SVG, report.md, and index.html linking everything. Unfinished runs are
listed, not tabulated.

Options:
  --out DIR    report directory (default reports/<name of RUNS_DIR>)
  -h, --help   this text`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true,
    options: { out: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } },
  });
  if (values.help) { console.log(help); return 0; }
  if (positionals.length !== 1) {
    console.error(`sketchprune report: expected one RUNS_DIR argument, got ${positionals.length} (see --help)`);
    return 2;
  }
  const runsDir = positionals[0]!;
  const out = values.out ?? path.join('reports', path.basename(path.resolve(runsDir)));
  const report = await buildReport(runsDir, out, (line) => console.log(line));
  console.log(`${report.tables.length} tables, ${report.plots.length} plots; ${report.finished} finished runs, ${report.unfinished} unfinished`);
  for (const table of report.tables) console.log(`  ${path.resolve(table.markdown)}`);
  console.log(`report: ${path.resolve(report.html)}`);
  return 0;
}
