// A two-run experiment whose second run diverges (learning rate 1e9), run with `workers` (1: in this process, 2:
// in worker processes) and reported: the diverged run is counted as diverged, never averaged. Used by
// test/experiments/report-status.test.ts (in process) and test/e2e/scheduler-workers.test.ts (workers).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildExperiment } from '../../src/experiments/experiment.js';
import { buildReport } from '../../src/experiments/report-builder.js';
import { runExperiment } from '../../src/experiments/scheduler.js';
import { cellText } from '../../src/report/table.js';

export async function checkDivergedRunReport(workers: number): Promise<void> {
  const config = {
    name: 'diverge',
    base: { model: 'fc', modelOptions: { widths: [16] }, dataset: 'synthetic', data: { trainSubset: 256, testSubset: 128 },
      pruning: { method: 'magnitude' }, train: { epochs: 1, batchSize: 64, maxStepsPerEpoch: 4, milestones: [] }, density: 0.5 },
    grid: { train: [{ lr: 0.05 }, { lr: 1e9 }], seed: [0] },
    report: { tables: [{ title: 'acc', rows: ['density'], columns: 'method' }] },
  };
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'sp-diverge-'));
  try {
    const experiment = buildExperiment(config, 'inline');
    const outcomes = await runExperiment(experiment, { out, workers, threadsPerWorker: 1, log: () => {} });
    assert.deepEqual(outcomes.map((o) => o.status), ['finished', 'failed'], outcomes.map((o) => o.error).join('\n'));
    const report = await buildReport(out, path.join(out, 'report'));
    assert.deepEqual(report.status, { total: 2, done: 1, diverged: 1, failed: 0, running: 0, pending: 0 }, `workers ${workers}`);
    assert.match(fs.readFileSync(report.markdown, 'utf8'), /Diverged runs[^\n]*:\n\n- fc-synthetic-magnitude-d0\.5-s0: .*training stopped: /);
    // one cell holds both runs: the finished one's accuracy alone (one run: no spread), the other counted
    const finished = JSON.parse(fs.readFileSync(path.join(outcomes[0]!.dir, 'result.json'), 'utf8')).testAccuracy as number;
    assert.deepEqual(report.tables[0]!.table.rows[0]!.map(cellText), ['50%', `${(100 * finished).toFixed(2)} (1 of 2 diverged)`]);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}
