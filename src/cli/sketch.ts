// `sketchprune sketch verify|compare`: the paper's linear sketching theory, checked numerically and compared.
import path from 'node:path';
import { runSketchCompare, runSketchVerify, summaryLegend } from '../experiments/sketch-report.js';
import { type JsonOutput, jsonOutput } from './json-output.js';
import { reportsPath } from './paths.js';
import { UsageError, choice, exitCode, integer, number, numberList, parseFlags } from './args.js';

const help = `Usage: sketchprune sketch <verify|compare> [options]

  verify    Evaluates every statement of the paper's Sections 4–7 as printed (Algorithm 1, Lemmas 4.1–4.3,
            Theorem 4.4, Lemma 4.5, the SynFlow and SNIP equivalences, Theorem 7.2 on a two-layer network
            trained by GD) in several scenarios: Monte Carlo measurement with a confidence interval, the
            printed value or bound, the exact expectation, the ratio and a verdict (holds / exceeded /
            equality within CI / equality rejected / disagreement when a measurement contradicts the exact
            value), marked empirical, analytic or deterministic, with an explanation where a statement fails.
            Writes verify.json, verify.md, index.html and plots.
  compare   Compares masks on the linear problem: Algorithm 1 with Eq. (2) probabilities, top-s by the same
            scores, top-k with the sketch's keep-count, and uniform Algorithm 1; error versus s and versus
            ‖w⋆ − w⁰‖. Writes compare.json, compare.md and plots.

Options (both):
  --out DIR         output directory (default reports/sketch-verify or reports/sketch-compare; "-quick" added with --quick)
  --seed N          random seed (default 0)
  --quick           a smaller, faster suite
  --json            print the summary and the written files as JSON on stdout (messages go to stderr)
  -h, --help        this text
Options (verify):
  --z Z             interval half-width in standard errors (default 3)
Options (compare):
  --d D             number of weights (default 1000; 500 with --quick)
  --n N             number of examples (default 128)
  --reps R          repetitions per point (default 40; 10 with --quick)
  --budgets LIST    comma-separated s values (default 10,20,50,100,200,500,1000, those ≤ d)
  --drifts LIST     comma-separated ‖w⋆−w⁰‖/‖w⁰‖ values (default 0,0.1,0.25,0.5,1,2)
  --drift-kind K    dense | smallest | largest (where w⋆ moves away from w⁰; default dense)`;

export async function run(argv: string[]): Promise<number> {
  const [subcommand, ...rest] = argv;
  if (!subcommand || subcommand === '--help' || subcommand === '-h' || subcommand === 'help') {
    console.log(help);
    return subcommand ? 0 : 2;
  }
  if (subcommand !== 'verify' && subcommand !== 'compare') {
    console.error(`sketchprune sketch: unknown subcommand '${subcommand}'; expected verify or compare (see --help)`);
    return 2;
  }
  let json: JsonOutput | undefined;
  try {
    const { values } = parseFlags({
      args: rest,
      options: {
        out: { type: 'string' }, seed: { type: 'string' }, quick: { type: 'boolean', default: false },
        z: { type: 'string' }, d: { type: 'string' }, n: { type: 'string' }, reps: { type: 'string' },
        budgets: { type: 'string' }, drifts: { type: 'string' }, 'drift-kind': { type: 'string' },
        json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false },
      },
    });
    if (values.help) { console.log(help); return 0; }
    json = jsonOutput(values.json === true);
    const seed = values.seed === undefined ? 0 : integer('--seed', values.seed, 0);
    const quick = values.quick === true;
    const out = values.out ?? reportsPath(`sketch-${subcommand}${quick ? '-quick' : ''}`);
    const started = Date.now();
    const progress = (message: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(1)} s] ${message}`);
    if (subcommand === 'verify') {
      for (const key of ['d', 'n', 'reps', 'budgets', 'drifts', 'drift-kind'] as const) {
        if (values[key] !== undefined) throw new UsageError(`--${key} applies to 'compare', not 'verify'`);
      }
      const z = values.z === undefined ? 3 : number('--z', values.z);
      if (!(z > 0)) throw new UsageError(`--z must be a positive number, got '${values.z}'`);
      console.log(`Checking the statements of Sections 4–6${quick ? ' (quick suite)' : ''}, seed ${seed} …`);
      const { report, files } = await runSketchVerify({ out, seed, quick, z, onProgress: progress });
      console.log('');
      for (const row of report.summary) {
        const worst = row.worstRatio === null ? '' : `, largest measured/bound ${row.worstRatio.toPrecision(3)}` +
          (row.worstExactRatio === null ? '' : ` (exact/bound ${row.worstExactRatio.toPrecision(3)})`);
        const judged = row.checks - row.comparisons;
        const counts = judged === 0
          ? `${row.comparisons} contrast rows`
          : `${row.holds}/${judged} consistent, ${row.violated} violated` +
            `${row.disagreements ? `, ${row.disagreements} DISAGREE with the exact value` : ''}` +
            `${row.inconclusive ? `, ${row.inconclusive} inconclusive` : ''}` +
            ` [${[['empirical', row.empirical], ['analytic', row.analytic], ['deterministic', row.deterministic]]
              .filter(([, count]) => count).map(([name, count]) => `${count} ${name}`).join(', ')}]`;
        console.log(`  ${row.statement.padEnd(27)} ${counts}${worst}`);
      }
      console.log('');
      for (const line of summaryLegend(report)) console.log(`  ${line}`);
      console.log(`\n${report.checks.length} checks in ${report.durationSeconds.toFixed(1)} s`);
      printFiles(files);
      json!.emit({ subcommand, seed, quick, checks: report.checks.length, seconds: report.durationSeconds, summary: report.summary, files: filesJson(files) });
      return 0;
    }
    if (values.z !== undefined) throw new UsageError("--z applies to 'verify', not 'compare'");
    const kind = values['drift-kind'] === undefined
      ? undefined : choice('--drift-kind', values['drift-kind'], ['dense', 'smallest', 'largest'] as const);
    console.log(`Comparing masks on the linear problem${quick ? ' (quick)' : ''}, seed ${seed} …`);
    const { report, files } = await runSketchCompare({
      out, quick, seed, onProgress: progress,
      ...(values.d !== undefined ? { d: integer('--d', values.d, 1) } : {}),
      ...(values.n !== undefined ? { n: integer('--n', values.n, 1) } : {}),
      ...(values.reps !== undefined ? { reps: integer('--reps', values.reps, 2) } : {}),
      ...(values.budgets !== undefined ? { budgets: numberList('--budgets', values.budgets) } : {}),
      ...(values.drifts !== undefined ? { drifts: numberList('--drifts', values.drifts) } : {}),
      ...(kind !== undefined ? { driftKind: kind } : {}),
    });
    console.log(`\ndone in ${report.durationSeconds.toFixed(1)} s`);
    printFiles(files);
    json!.emit({ subcommand, seed, quick, seconds: report.durationSeconds, files: filesJson(files) });
    return 0;
  } catch (error) {
    console.error(`sketchprune sketch ${subcommand}: ${(error as Error).message}`);
    return exitCode(error);
  } finally {
    json?.close();
  }
}

function filesJson(files: { json: string; markdown: string; plots: string[] }): Record<string, unknown> {
  return { json: path.resolve(files.json), markdown: path.resolve(files.markdown), plots: files.plots.map((file) => path.resolve(file)) };
}

function printFiles(files: { json: string; markdown: string; plots: string[]; html?: string }): void {
  console.log(`report:  ${path.resolve(files.markdown)}`);
  console.log(`data:    ${path.resolve(files.json)}`);
  if (files.html) console.log(`page:    ${path.resolve(files.html)}`);
  if (files.plots.length) console.log(`plots:   ${files.plots.map((file) => path.resolve(file)).join(', ')}`);
}
