// The scheduler's worker processes: with --workers 2 each run trains in a child process (the stand-in executor
// of test/experiments/fake-executor.ts) with one torch thread, and its progress reaches the parent's log; a run
// diverging in a worker is reported as diverged. The in-process scheduler (resume, skip, locks) is
// test/experiments/scheduler.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildExperiment } from '../../src/experiments/experiment.js';
import { runExperiment } from '../../src/experiments/scheduler.js';
import { checkDivergedRunReport } from '../experiments/diverging-run.js';

const experimentConfig = {
  name: 'sched',
  base: { model: 'lenet300', dataset: 'synthetic', pruning: { method: 'random' }, train: { epochs: 3 } },
  grid: { density: [0.1, 0.05], seed: [0, 1] },
};

const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'sp-sched-'));

test('workers run each run in a child process with fewer torch threads', async () => {
  const out = tmp();
  const experiment = buildExperiment(experimentConfig, 'inline');
  const executorModule = fileURLToPath(new URL('../experiments/fake-executor.js', import.meta.url));
  const lines: string[] = [];
  const outcomes = await runExperiment(experiment, { out, workers: 2, executorModule, threadsPerWorker: 1, log: (l) => lines.push(l) });
  assert.deepEqual(outcomes.map((o) => o.status), ['finished', 'finished', 'finished', 'finished']);
  const results = outcomes.map((o) => JSON.parse(fs.readFileSync(path.join(o.dir, 'result.json'), 'utf8')));
  assert.ok(results.every((r) => r.pid !== process.pid && r.threads === '1'));
  assert.ok(lines.some((l) => /\] lenet300-synthetic-random-d0\.1-s0-[0-9a-f]{16}?.*step 3\/3|s0: step 3\/3/.test(l)));
});

test('a run that really diverges (learning rate 1e9) in a worker process is reported as diverged', () => checkDivergedRunReport(2));
