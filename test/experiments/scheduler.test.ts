// Skip finished runs, resume unfinished ones, skip runs another process holds. Runs in worker processes:
// test/e2e/scheduler-workers.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildExperiment } from '../../src/experiments/experiment.js';
import { planStates, runExperiment } from '../../src/experiments/scheduler.js';
import { readRuns } from '../../src/report/index.js';
import { execute, fakeAccuracy } from './fake-executor.js';

const experimentConfig = {
  name: 'sched',
  base: { model: 'lenet300', dataset: 'synthetic', pruning: { method: 'random' }, train: { epochs: 3 } },
  grid: { density: [0.1, 0.05], seed: [0, 1] },
};

const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'sp-sched-'));

test('a crashed run is resumed, finished runs are skipped, results land in result.json', async () => {
  const out = tmp();
  const experiment = buildExperiment(experimentConfig, 'inline');
  const lines: string[] = [];
  process.env.FAKE_FAIL_AT = '2';
  try {
    const first = await runExperiment(experiment, { out, execute, log: (l) => lines.push(l) });
    assert.deepEqual(first.map((o) => o.status), ['failed', 'failed', 'failed', 'failed']);
    assert.ok(lines.some((l) => l.includes('FAILED: simulated crash at step 2')));
    assert.deepEqual(planStates(experiment, out).map((s) => s.state), ['unfinished', 'unfinished', 'unfinished', 'unfinished']);
    assert.ok(fs.existsSync(path.join(first[0]!.dir, 'error.txt')));

    const second = await runExperiment(experiment, { out, execute, log: (l) => lines.push(l) });
    assert.deepEqual(second.map((o) => [o.before, o.status]), Array(4).fill(['unfinished', 'finished']));
    for (const outcome of second) {
      const progress = JSON.parse(fs.readFileSync(path.join(outcome.dir, 'progress.json'), 'utf8'));
      assert.deepEqual(progress, { step: 3, starts: 2 }); // resumed at step 2, not restarted
      assert.ok(!fs.existsSync(path.join(outcome.dir, 'error.txt')));
    }

    const third = await runExperiment(experiment, { out, execute, log: (l) => lines.push(l) });
    assert.deepEqual(third.map((o) => o.status), ['skipped', 'skipped', 'skipped', 'skipped']);
  } finally {
    delete process.env.FAKE_FAIL_AT;
  }
  const runs = readRuns(out);
  assert.equal(runs.length, 4);
  for (const run of runs) {
    assert.equal(run.status, 'finished');
    assert.equal(run.result!.testAccuracy, fakeAccuracy(run.config.density!, run.config.seed!));
    assert.equal(run.config.method, 'Random');
    assert.equal(run.config.preset, 'sched');
  }
  assert.ok(fs.existsSync(path.join(out, 'experiment.json')));
});

test('a run held by another live process is skipped; a stale lock is taken over', async () => {
  const { spawnSync } = await import('node:child_process');
  const out = tmp();
  const experiment = buildExperiment({ ...experimentConfig, grid: { density: [0.1, 0.05], seed: [0] } }, 'inline');
  const [busy, stale] = planStates(experiment, out);
  fs.mkdirSync(busy!.dir, { recursive: true });
  fs.writeFileSync(path.join(busy!.dir, 'running.lock'), String(process.ppid));
  const dead = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
  fs.mkdirSync(stale!.dir, { recursive: true });
  fs.writeFileSync(path.join(stale!.dir, 'running.lock'), dead.stdout.trim());
  const lines: string[] = [];
  const outcomes = await runExperiment(experiment, { out, execute, log: (l) => lines.push(l) });
  assert.deepEqual(outcomes.map((o) => o.status), ['skipped', 'finished']);
  assert.ok(lines.some((l) => l.includes(`being run by process ${process.ppid}, skipped`)));
  assert.ok(!fs.existsSync(path.join(stale!.dir, 'running.lock')));
  assert.ok(fs.existsSync(path.join(busy!.dir, 'running.lock'))); // not ours: left alone
});
