// The sketching-theory experiments behind `sketchprune sketch`: run the statement checker or the mask comparison
// from sketch/, then write JSON (all numbers), Markdown (tables and findings) and plots (SVG + PNG) with report/.
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../foundations/atomic.js';
import { getNumThreads, setNumThreads } from '../torch/index.js';
import { formatNumber, groupedBarChart, lineChart, toMarkdown, type LineSeries, type Table } from '../report/index.js';
import {
  compareMasks, verifySketchTheory, type CompareOptions, type CompareReport, type CompareSeries, type Estimate,
  type StatementCheck, type VerifyReport,
} from '../sketch/index.js';
import { ensureDirectory } from '../foundations/directories.js';

export interface SketchOutput { json: string; markdown: string; plots: string[] }

/**
 * Runs fn with one intra-op thread unless the user chose a count (SKETCHPRUNE_THREADS / OMP_NUM_THREADS). These
 * suites make many small tensor ops, where thread hand-offs cost more than they save; on a busy 2-core machine
 * `sketch compare` took 68 s with 2 threads and 4 s with 1.
 */
async function withOneThread<T>(fn: () => Promise<T>): Promise<T> {
  if (process.env.SKETCHPRUNE_THREADS || process.env.OMP_NUM_THREADS) return fn();
  const previous = getNumThreads();
  setNumThreads(1);
  try {
    return await fn();
  } finally {
    setNumThreads(previous);
  }
}

/** JSON that keeps ±Infinity and NaN as strings instead of silently turning them into null. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, item) => (typeof item === 'number' && !Number.isFinite(item) ? String(item) : item), 2) + '\n';
}

// ---------------------------------------------------------------- verify

export async function runSketchVerify(options: { out: string; seed?: number; quick?: boolean; z?: number;
  onProgress?: (message: string) => void }): Promise<{ report: VerifyReport; files: SketchOutput }> {
  const report = await withOneThread(async () =>
    verifySketchTheory({ seed: options.seed, quick: options.quick, z: options.z, onProgress: options.onProgress }));
  ensureDirectory(options.out);
  const json = path.join(options.out, 'verify.json');
  writeFileAtomic(json, toJson(report));
  const plots = await verifyPlots(report, options.out);
  const markdown = path.join(options.out, 'verify.md');
  writeFileAtomic(markdown, verifyMarkdown(report, plots.map((file) => path.basename(file))));
  return { report, files: { json, markdown, plots } };
}

const num = (value: number | null | undefined, digits = 4): string =>
  value === null || value === undefined ? '—' : Number.isNaN(value) ? '—' : formatNumber(value, digits);
const interval = (estimate: Estimate | null): string =>
  estimate === null ? '—' : `${num(estimate.mean)} [${num(estimate.ciLow, 3)}, ${num(estimate.ciHigh, 3)}]`;
const setting = (check: StatementCheck): string =>
  ['d', 'n', 's'].filter((key) => key in check.params).map((key) => `${key}=${check.params[key]}`).join(' ');

/** Compact verdict text; violations in bold. */
function verdictCell(check: StatementCheck): string {
  const violated = check.relation !== 'comparison' && ['exceeded', 'equality rejected', 'not equal'].includes(check.verdict);
  const basis = check.basis === 'exact' ? ' (exact)' : '';
  const gap = Number(check.details?.exactVsPredicted ?? 0);
  const note = check.relation === 'equality' && gap > 1e-10 ? `; exact differs by ${num(gap, 2)} (relative)` : '';
  return (violated ? `**${check.verdict}**${basis}` : `${check.verdict}${basis}`) + note;
}

export function verifyTable(report: VerifyReport): Table {
  return {
    columns: ['#', 'statement', 'setting', 'scenario', 'measured [CI]', 'predicted / bound', 'exact', 'ratio', 'verdict'],
    align: ['right', 'left', 'left', 'left', 'right', 'right', 'right', 'right', 'left'],
    rows: report.checks.map((check, i) => [
      String(i + 1), check.statement, setting(check), check.scenario,
      check.measured ? interval(check.measured) : `rel. diff ${num(Number(check.details?.relativeDifference ?? NaN), 2)}`,
      check.basis === 'deterministic' && check.measured === null && check.predicted === 0 ? '0 (difference)' : num(check.predicted),
      num(check.exact), num(check.ratio), verdictCell(check),
    ]),
  };
}

export function verifySummaryTable(report: VerifyReport): Table {
  return {
    columns: ['statement', 'checks', 'consistent', 'violated', 'inconclusive', 'contrast rows', 'largest measured / bound',
      'largest exact / bound'],
    rows: report.summary.map((row) => [
      row.statement, String(row.checks), String(row.holds),
      row.violated ? { text: String(row.violated), strong: true } : '0', String(row.inconclusive), String(row.comparisons),
      row.worstRatio === null ? '—' : num(row.worstRatio, 3), row.worstExactRatio === null ? '—' : num(row.worstExactRatio, 3),
    ]),
  };
}

export function verifyMarkdown(report: VerifyReport, plots: string[]): string {
  const lines: string[] = [];
  lines.push('# Sketching theory: the statements of Sections 4–6, checked as printed', '');
  lines.push(`Seed ${report.seed}${report.quick ? ' (quick suite)' : ''}; intervals are mean ± ${report.z}·sd/√R; ` +
    `${report.reps.masks} masks per fixed-data estimate, ${report.reps.data} draws of X per expectation over data; ` +
    `${report.durationSeconds.toFixed(1)} s.`, '');
  lines.push('## Summary', '', toMarkdown(verifySummaryTable(report)));
  lines.push('## Findings', '');
  for (const finding of findings(report)) lines.push(`- ${finding}`);
  lines.push('', '## How the numbers are made', '',
    '- *measured*, fixed X (Lemmas 4.1, 4.3): the mean error of R independent Algorithm 1 masks. The interval uses the ' +
    'exact per-mask standard deviation (from the fourth moments of the draws), so by Chebyshev it covers the true ' +
    `mean with probability ≥ ${(1 - 1 / report.z ** 2).toFixed(2)} even when the errors are heavy-tailed (rare draws of ` +
    'an index with tiny p_k but large w⋆_k), where the sample sd underestimates.',
    '- *measured*, expectations over X ~ N(0, 1/n) (Lemma 4.2, Theorem 4.4, Lemma 4.5): for each draw of X the exact ' +
    'E_m is computed (Rao–Blackwellized Monte Carlo over X); a joint Monte Carlo with one real Algorithm 1 mask per ' +
    `draw is stored in the JSON as \`jointMeasurement\` (${jointSummary(report)}).`,
    '- *exact*: the expectation derived independently in src/sketch (error.ts, gaussian.ts), e.g. ' +
    'E_X E_m = (μ²/s)(‖w⁰‖₁Σ_k (w⋆_k)²/|w⁰_k| − ‖w⋆‖²) with μ = E‖X₍ₖ₎‖; the JSON field `exactWithinCI` says ' +
    `whether it lies in the measured interval (${countWithin(report)}).`,
    '- *verdict* for a bound: exceeded when the whole interval lies above it, holds when it lies below; when the interval ' +
    'straddles the bound, or misses the exact value (a heavy-tailed draw), the exact value decides, marked "(exact)". ' +
    'Equalities: within the interval or rejected, with the exact value\'s relative gap to the printed value where it ' +
    'is non-zero (smaller than the Monte Carlo resolution when the verdict is "within CI"); ' +
    'deterministic identities: equal to float64 rounding (relative difference ≤ 1e-10) or not.', '');
  if (plots.length) {
    lines.push('## Plots', '');
    for (const plot of plots.filter((file) => file.endsWith('.png'))) {
      lines.push(`![${plot}](${plot}) ([SVG](${plot.replace(/\.png$/, '.svg')}))`, '');
    }
  }
  lines.push('A measured/bound ratio above 1 with verdict "holds (exact)" (Lemma 4.3) is a heavy-tailed Monte Carlo mean ' +
    'whose interval still contains values below the bound; the exact expectation is below it.', '');
  lines.push('## All checks', '', toMarkdown(verifyTable(report)));
  const explained = report.checks.map((check, i) => ({ check, i })).filter(({ check }) => check.explanation);
  if (explained.length) {
    lines.push('## Explanations (why a statement fails)', '');
    for (const { check, i } of explained) lines.push(`${i + 1}. **${check.statement}** (${check.scenario}): ${check.explanation}`, '');
  }
  if (report.performance.length) {
    lines.push('## Algorithm 1 speed', '', toMarkdown({
      columns: ['d', 's', 'ms per mask (median of 3)', '‖m‖₀'],
      rows: report.performance.map((note) => [String(note.d), String(note.s), note.milliseconds.toFixed(1), String(note.keepCount)]),
    }));
  }
  return lines.join('\n');
}

/** How the fully empirical joint Monte Carlo (real masks, sample-sd intervals) relates to the exact values. */
function jointSummary(report: VerifyReport): string {
  const joint = report.checks.filter((check) => check.jointMeasurement && check.exact !== null);
  const within = joint.filter((check) => check.exact! >= check.jointMeasurement!.ciLow && check.exact! <= check.jointMeasurement!.ciHigh);
  const exceeded = joint.filter((check) => check.verdict === 'exceeded');
  const confirmed = exceeded.filter((check) => check.jointMeasurement!.ciLow > check.predicted);
  return `its interval contains the exact value in ${within.length} of ${joint.length} checks; the misses come from ` +
    'heavy-tailed errors (rare draws of an index with tiny p⁰_k and large w⋆_k), which a few hundred masks ' +
    `under-sample, so the joint mean falls below the exact one; even so it lies entirely above the bound in ` +
    `${confirmed.length} of the ${exceeded.length} exceeded checks`;
}

function countWithin(report: VerifyReport): string {
  const withExact = report.checks.filter((check) => check.exactWithinCI !== null);
  return `${withExact.filter((check) => check.exactWithinCI).length} of ${withExact.length} intervals contain it`;
}

/** One line per statement with violations: how often and by how much. */
function findings(report: VerifyReport): string[] {
  const lines: string[] = [];
  for (const row of report.summary) {
    if (row.violated === 0) continue;
    const violations = report.checks.filter((check) => check.statement === row.statement && check.relation !== 'comparison' &&
      ['exceeded', 'equality rejected', 'not equal'].includes(check.verdict));
    const worst = violations.reduce((a, b) => (b.ratio > a.ratio ? b : a));
    lines.push(`**${row.statement}** fails in ${row.violated} of ${row.checks} checks; largest measured/predicted ratio ` +
      `${num(worst.ratio, 3)} (${worst.scenario}, ${setting(worst)}). ${worst.explanation ?? ''}`);
  }
  const fine = report.summary.filter((row) => row.violated === 0 && row.holds > 0).map((row) => row.statement);
  if (fine.length) lines.push(`Consistent in every check: ${fine.join(', ')}.`);
  return lines;
}

async function verifyPlots(report: VerifyReport, dir: string): Promise<string[]> {
  const files: string[] = [];
  // Theorem 4.4: measured / bound per w⋆ scenario, one bar per (d, s) with dense w⁰.
  const theorem = report.checks.filter((check) => check.statement === 'Theorem 4.4' && String(check.params.w0).includes('dense'));
  if (theorem.length) {
    const plot = await groupedBarChart(theorem.map((check) => ({
      group: shortTarget(String(check.params.target)),
      series: setting(check), value: check.ratio,
      error: check.measured ? (check.measured.ciHigh - check.measured.ciLow) / 2 / check.predicted : undefined,
    })), {
      dir, name: 'verify-theorem44', title: 'Theorem 4.4: measured E_X E_m error / printed bound (> 1: exceeded)',
      xTitle: 'w⋆ scenario (dense: drift on all entries; small/large |w⁰|: drift on the 5% smallest/largest)',
      yTitle: 'measured / bound', legendTitle: 'setting', width: 760, height: 320,
    });
    files.push(plot.svg, plot.png);
  }
  // Lemma 4.2: measured and exact relative to the bound, against d (dense w⁰).
  const lemma = report.checks.filter((check) => check.statement === 'Lemma 4.2' && String(check.params.w0).includes('dense'))
    .sort((a, b) => Number(a.params.d) - Number(b.params.d));
  if (lemma.length >= 2) {
    const series: LineSeries[] = [
      {
        name: 'measured / bound (interval)',
        points: lemma.map((check) => ({ x: Number(check.params.d), y: check.ratio,
          yLow: check.measured!.ciLow / check.predicted, yHigh: check.measured!.ciHigh / check.predicted })),
      },
      { name: 'exact (μ²/s)(‖w⁰‖₁² − ‖w⁰‖²) / bound', points: lemma.map((check) => ({ x: Number(check.params.d), y: check.exact! / check.predicted })) },
      { name: 'bound (ratio 1)', points: lemma.map((check) => ({ x: Number(check.params.d), y: 1 })) },
    ];
    const plot = await lineChart(series, {
      dir, name: 'verify-lemma42', title: 'Lemma 4.2: E_X E_m error relative to (1/s)‖w⁰‖² (w⁰ ~ N(0,1))',
      xTitle: 'd', yTitle: 'error / bound', xScale: 'log', yScale: 'log', errors: 'bars', width: 520, height: 300,
    });
    files.push(plot.svg, plot.png);
  }
  return files;
}

/** Axis labels short enough to sit side by side: "w⋆ = w⁰", "indep.", "dense 10%", "small 50%", "large 10%". */
function shortTarget(label: string): string {
  return label.replace('w⋆ independent N(0,1)', 'independent').replace('dense drift ', 'dense ')
    .replace(/drift on 5% (smallest|largest) \|w⁰\|, /, (_match, which: string) => `${which === 'smallest' ? 'small' : 'large'} |w⁰| `);
}

// ---------------------------------------------------------------- compare

export async function runSketchCompare(options: CompareOptions & { out: string; quick?: boolean })
  : Promise<{ report: CompareReport; files: SketchOutput }> {
  const { out, quick, ...compareOptions } = options;
  const report = await withOneThread(async () => compareMasks({ ...(quick ? { reps: 10, d: 500 } : {}), ...compareOptions }));
  ensureDirectory(out);
  const json = path.join(out, 'compare.json');
  writeFileAtomic(json, toJson(report));
  const plots: string[] = [];
  for (const [name, part, xTitle, xScale] of [
    ['compare-vs-budget', report.versusBudget, 's (draws; top-s keeps s)', 'log'],
    ['compare-vs-distance', report.versusDrift, '‖w⋆ − w⁰‖ / ‖w⁰‖', 'linear'],
  ] as const) {
    const plot = await lineChart(toLineSeries(part.series), {
      dir: out, name, xTitle, xScale, yScale: 'log', errors: 'band', legendTitle: 'mask', width: 560, height: 320,
      yTitle: 'relative error ‖Xᵀw⋆ − Xᵀ(w⋆⊙m)‖² / ‖Xᵀw⋆‖²',
      title: name === 'compare-vs-budget'
        ? `Error vs budget (d=${report.config.d}, ‖w⋆ − w⁰‖/‖w⁰‖ = ${report.versusBudget.drift})`
        : `Error vs distance from w⁰ (d=${report.config.d}, s=${report.versusDrift.budget})`,
    });
    plots.push(plot.svg, plot.png);
  }
  const markdown = path.join(out, 'compare.md');
  writeFileAtomic(markdown, compareMarkdown(report, plots.filter((file) => file.endsWith('.png')).map((file) => path.basename(file))));
  return { report, files: { json, markdown, plots } };
}

/** Log y axes need positive values: a zero error (top-s with s = d) is left out of the plot (kept in the tables). */
function toLineSeries(series: CompareSeries[]): LineSeries[] {
  const measured = series.map((item) => ({
    name: item.label,
    points: item.points.filter((point) => point.mean > 0).map((point) => ({
      x: point.x, y: point.mean, yLow: Math.max(point.ciLow, point.mean / 100), yHigh: point.ciHigh,
    })),
  }));
  // The random masks' exact expectations (mean over repetitions of E_m), without the heavy-tail noise.
  const exact = series.filter((item) => item.points.every((point) => point.expectedMean !== null)).map((item) => ({
    name: `${item.method === 'sketch' ? 'Algorithm 1' : 'uniform'}: exact E_m`,
    points: item.points.map((point) => ({ x: point.x, y: point.expectedMean! })),
  }));
  return [...measured, ...exact];
}

export function compareTable(part: CompareReport['versusBudget'] | CompareReport['versusDrift'], xName: string): Table {
  const xs = part.series[0].points.map((point) => point.x);
  return {
    columns: [xName, ...part.series.map((series) => series.label)],
    rows: xs.map((x, i) => [String(x), ...part.series.map((series) => {
      const point = series.points[i];
      const expected = point.expectedMean === null ? '' : `; exact E ${num(point.expectedMean, 3)}`;
      return `${num(point.mean, 3)} [${num(point.ciLow, 2)}, ${num(point.ciHigh, 2)}]; median ${num(point.median, 3)}; ` +
        `‖m‖₀ ${point.meanKeepCount.toFixed(1)}${expected}`;
    })]),
  };
}

export function compareMarkdown(report: CompareReport, plots: string[]): string {
  const { config } = report;
  const lines = [
    '# Mask comparison on the linear problem', '',
    `d = ${config.d}, n = ${config.n}, ${config.reps} repetitions (new X, w⁰ and drift direction each), seed ${config.seed}, ` +
    `drift kind ${config.driftKind}; ${report.durationSeconds.toFixed(1)} s.`, '',
    `Metric: ${report.metric}. Cells: mean [mean ± ${config.z}·sd/√R]; median; mean ‖m‖₀; for the random masks also ` +
    'the mean of the exact E_m (the errors of random scaled masks are heavy-tailed, so the sample mean of a few ' +
    'repetitions tends to fall below the exact expectation).', '',
    `## Error versus s (‖w⋆ − w⁰‖/‖w⁰‖ = ${report.versusBudget.drift})`, '', toMarkdown(compareTable(report.versusBudget, 's')),
    `## Error versus distance (s = ${report.versusDrift.budget})`, '', toMarkdown(compareTable(report.versusDrift, '‖w⋆−w⁰‖/‖w⁰‖')),
  ];
  if (plots.length) {
    lines.push('## Plots', '');
    for (const plot of plots) lines.push(`![${plot}](${plot})`, '');
  }
  return lines.join('\n');
}
