// The experiment progress view, fed by the real scheduler (fake executor): one status line per finished run with
// k/N and an ETA from the preset's measured cost, then from this session's run times; all lines in log.txt.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildExperiment } from '../../src/experiments/experiment.js';
import { runExperiment } from '../../src/experiments/scheduler.js';
import { experimentProgress } from '../../src/cli/progress.js';
import { execute } from '../experiments/fake-executor.js';

const config = {
  name: 'prog', runSeconds: 30,
  base: { model: 'lenet300', dataset: 'synthetic', pruning: { method: 'random' }, train: { epochs: 3 } },
  grid: { density: [0.1, 0.05], seed: [0, 1] },
};

test('experimentProgress: status lines from the scheduler, ETA from the measured cost then from run times', async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'sp-progress-'));
  const experiment = buildExperiment(config, 'inline');
  assert.equal(experiment.runSeconds, 30);
  const printed: string[] = [];
  let clock = 0;
  const finishedRuns: number[] = [];
  const progress = experimentProgress({
    total: 4, workers: 1, runSeconds: experiment.runSeconds, logFile: path.join(out, 'log.txt'),
    write: (line) => printed.push(line), now: () => clock, onDone: (i) => finishedRuns.push(i),
  });
  assert.equal(progress.status(), '[0/4] 0 done; 0 s elapsed, ETA 2 min (measured cost)'); // 4 runs × 30 s
  // Each run "takes" 10 s of the fake clock between its start and its done line.
  const outcomes = await runExperiment(experiment, {
    out, execute, log: (line) => { if (line.endsWith(': starting')) clock += 10_000; progress.log(line); },
  });
  progress.finish();
  assert.deepEqual(outcomes.map((o) => o.status), ['finished', 'finished', 'finished', 'finished']);
  assert.equal(printed.length, 4, printed.join('\n'));
  assert.deepEqual(finishedRuns, [0, 1, 2, 3], 'onDone gets each run\'s index in the experiment');
  assert.match(printed[0]!, /^\[1\/4\] 1 done; 10 s elapsed, ETA 30 s {2}\(lenet300-synthetic-random-d0\.1-s0, 0 s\)$/); // 10 s per run × 3 left
  assert.match(printed[3]!, /^\[4\/4\] 4 done; 40 s elapsed, ETA 0 s/);
  const log = fs.readFileSync(path.join(out, 'log.txt'), 'utf8').trim().split('\n');
  assert.equal(log.filter((l) => / step \d\/3$/.test(l)).length, 12, 'every training line is in log.txt');

  // A second pass finds everything finished: one summary line, not one per run.
  const again: string[] = [];
  const second = experimentProgress({ total: 4, workers: 2, runSeconds: 30, write: (l) => again.push(l) });
  await runExperiment(experiment, { out, execute, log: second.log });
  second.finish();
  assert.deepEqual(again, ['4 of 4 runs finished earlier, skipped']);
  assert.deepEqual(second.counts(), { done: 0, failed: 0, skipped: 4, running: 0 });
});

test('experimentProgress: ETA = elapsed / runs done × runs left; failures are printed', () => {
  const printed: string[] = [];
  let clock = 0;
  const p = experimentProgress({ total: 10, workers: 2, runSeconds: 0, write: (l) => printed.push(l), now: () => clock });
  assert.match(p.status(), /ETA unknown$/);
  assert.match(experimentProgress({ total: 10, workers: 4, runSeconds: 60, write: () => {} }).status(), /ETA 3 min \(measured cost\)$/); // 10 × 60 / 4
  p.log('[1/10] a: starting');
  p.log('[2/10] b: starting');
  p.log('[1/10] a: test accuracy 81.25% (density 10.00%)');
  clock = 60_000;
  p.log('[1/10] a: done in 60.0 s');
  // 60 s for 1 run, 9 left → 540 s = 9 min
  assert.equal(printed[0], '[1/10] 1 done, 1 running; 60 s elapsed, ETA 9 min  (a: test accuracy 81.25%, 60 s)');
  p.log('[2/10] b: FAILED: out of memory (details in x)');
  assert.match(printed[1]!, /^\[2\/10\] 1 done, 1 failed; 60 s elapsed, ETA 8 min {2}b: FAILED: out of memory/); // 8 left
  p.log('a line without the run prefix');
  assert.equal(printed[2], 'a line without the run prefix');
});
