// The report of a damaged or partly finished runs directory (issue 14, and sweeps still running on a cluster):
// diverged runs show as diverged (never averaged), a torn metrics line does not abort the report, a corrupt
// experiment.json names itself, density rows are sorted, and every run is counted as done, diverged, failed,
// running or pending (including runs no process has started yet).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildExperiment } from '../../src/experiments/experiment.js';
import { buildReport, buildTable } from '../../src/experiments/report-builder.js';
import { prepareRunDirectory, runDirectory, writeExperimentIndex, writeResult } from '../../src/experiments/store.js';
import { parseShard, shardRuns } from '../../src/experiments/shard.js';
import { cellText } from '../../src/report/table.js';
import { checkDivergedRunReport } from './diverging-run.js';

const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'sp-status-'));

const experimentConfig = {
  name: 'status',
  base: { model: 'lenet300', dataset: 'synthetic', train: { epochs: 1 } },
  grid: { pruning: [{ method: 'synflow' }, { method: 'snip' }], density: [0.1], seed: [0, 1, 2] },
  report: { tables: [{ title: 'acc', rows: ['density'], columns: 'method', order: { method: ['SynFlow', 'SNIP (supervised)'] } }] },
};

test('report of a partly finished, partly broken directory: status counts and lists, diverged cells, no NaN', async () => {
  const out = tmp();
  const experiment = buildExperiment(experimentConfig, 'inline');
  assert.equal(experiment.runs.length, 6);
  writeExperimentIndex(out, experiment);
  const [s0, s1, s2, n0, n1] = experiment.runs.map((run) => {
    const dir = runDirectory(out, run);
    return { run, dir };
  });
  for (const { run, dir } of [s0, s1, s2, n0, n1]) prepareRunDirectory(dir, run, 'status');
  writeResult(s0!.dir, { testAccuracy: 0.8 });
  fs.writeFileSync(path.join(s0!.dir, 'metrics.jsonl'), '{"type":"step","step":1,"loss":2}\n{"type":"st'); // torn
  writeResult(s1!.dir, { testAccuracy: 0.9 });
  writeResult(s2!.dir, { testAccuracy: Number.NaN }); // written as null
  // SNIP: seed 0 diverged without a result (train/ threw NonFiniteLossError), seed 1 is running, seed 2 never started
  fs.writeFileSync(path.join(n0!.dir, 'error.txt'), 'NonFiniteLossError: training stopped: the loss is NaN at epoch 1, batch 2/4\n    at x\n');
  fs.writeFileSync(path.join(n1!.dir, 'running.lock'), String(process.pid));

  const report = await buildReport(out, path.join(out, 'report'));
  assert.deepEqual(report.status, { total: 6, done: 2, diverged: 2, failed: 0, running: 1, pending: 1 });
  const table = report.tables[0]!.table;
  assert.deepEqual(table.columns, ['Density', 'SynFlow', 'SNIP (supervised)'], 'the all-diverged SNIP column stays');
  // SynFlow: mean of 80 and 90 = 85.00, std 7.07; its third seed diverged. SNIP: its only finished-or-diverged run diverged.
  assert.deepEqual(table.rows[0]!.map(cellText), ['10%', '85.00 ± 7.07 (1 of 3 diverged)', 'diverged']);
  const markdown = fs.readFileSync(report.markdown, 'utf8');
  assert.ok(!/NaN/.test(fs.readFileSync(report.tables[0]!.markdown, 'utf8')) && !/NaN/.test(fs.readFileSync(report.tables[0]!.csv, 'utf8')));
  assert.match(markdown, /Runs: 2 of 6 done, 2 diverged, 0 failed, 1 running, 1 pending\./);
  assert.match(markdown, /Diverged runs[^\n]*:\n\n- lenet300-synthetic-snip-supervised-d0\.1-s0: NonFiniteLossError[^\n]*\n- lenet300-synthetic-synflow-d0\.1-s2: accuracy is null in the result/);
  assert.match(markdown, /- lenet300-synthetic-snip-supervised-d0\.1-s0: NonFiniteLossError: training stopped: the loss is NaN/);
  assert.match(markdown, new RegExp(`Running runs:\\n\\n- lenet300-synthetic-snip-supervised-d0\\.1-s1: process ${process.pid} `));
  assert.match(markdown, /Pending runs:\n\n- lenet300-synthetic-snip-supervised-d0\.1-s2: not started/);
  assert.match(markdown, /Warnings:\n\n- lenet300-synthetic-synflow-d0\.1-s0: .*metrics\.jsonl:2: torn last line skipped/);

  // the running run fails; the report says so with the error's first line
  fs.rmSync(path.join(n1!.dir, 'running.lock'));
  fs.writeFileSync(path.join(n1!.dir, 'error.txt'), 'Error: disk full\n    at y\n');
  const again = await buildReport(out, path.join(out, 'report'));
  assert.deepEqual(again.status, { total: 6, done: 2, diverged: 2, failed: 1, running: 0, pending: 1 });
  assert.match(fs.readFileSync(again.markdown, 'utf8'), /Failed runs[^\n]*:\n\n- lenet300-synthetic-snip-supervised-d0\.1-s1: Error: disk full \(details in error\.txt\)/);
});

test('report of a directory where no run has started yet lists every run as pending', async () => {
  const out = tmp();
  const experiment = buildExperiment(experimentConfig, 'inline');
  writeExperimentIndex(out, experiment);
  const report = await buildReport(out, path.join(out, 'report'));
  assert.deepEqual(report.status, { total: 6, done: 0, diverged: 0, failed: 0, running: 0, pending: 6 });
  assert.equal(report.tables.length, 0);
});

test('a corrupt experiment.json is an error naming the file', async () => {
  const out = tmp();
  fs.writeFileSync(path.join(out, 'experiment.json'), '{"name": "x", "runs": [');
  await assert.rejects(buildReport(out, path.join(out, 'report')), new RegExp(`^Error: ${escapeRegExp(path.join(out, 'experiment.json'))}: invalid JSON`));
  fs.writeFileSync(path.join(out, 'experiment.json'), '{"name": "x", "runs": "all"}');
  await assert.rejects(buildReport(out, path.join(out, 'report')), /experiment\.json: "runs" must be a list of run directory names; "report" must be an object/);
});

test('density rows come out sorted (largest kept fraction first) whatever the order of the runs', () => {
  const rows = [0.03, 0.3, 0.003, 0.15].map((density, i) => ({ name: `r${i}`, dir: `/r${i}`, method: 'M', density, testAccuracy: 0.5 }));
  const table = buildTable(rows, { title: '', rows: ['density'], columns: 'method', value: 'testAccuracy', filter: {}, order: {}, scale: 100, digits: 2, highlight: 'none' });
  assert.deepEqual(table.rows.map((r) => cellText(r[0]!)), ['30%', '15%', '3%', '0.3%']);
});

test('shards: I/N slices are disjoint and cover the grid; bad specs are errors', () => {
  const runs = buildExperiment({ ...experimentConfig, grid: { ...experimentConfig.grid, seed: [0, 1, 2, 3, 4] } }, 'inline').runs;
  assert.equal(runs.length, 10);
  for (const count of [1, 3, 4, 10, 13]) {
    const slices = Array.from({ length: count }, (_, i) => shardRuns(runs, parseShard(`${i + 1}/${count}`)).map((r) => r.hash));
    const all = slices.flat();
    assert.equal(all.length, runs.length, `N=${count}: every run once`);
    assert.deepEqual(new Set(all), new Set(runs.map((r) => r.hash)));
    // round-robin: sizes differ by at most one
    assert.ok(Math.max(...slices.map((s) => s.length)) - Math.min(...slices.map((s) => s.length)) <= 1);
  }
  assert.deepEqual(shardRuns(runs, parseShard('2/3')).map((r) => runs.indexOf(r)), [1, 4, 7]);
  assert.throws(() => parseShard('0/3'), /I must be between 1 and N = 3/);
  assert.throws(() => parseShard('4/3'), /I must be between 1 and N = 3/);
  assert.throws(() => parseShard('2'), /--shard must look like I\/N/);
  assert.throws(() => parseShard('1/0'), /N must be at least 1/);
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// The same run in a worker process: test/e2e/scheduler-workers.test.ts.
test('a run that really diverges (learning rate 1e9) is reported as diverged', () => checkDivergedRunReport(1));
