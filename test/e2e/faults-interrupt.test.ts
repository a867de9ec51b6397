// Killing or interrupting `run --workers 2`: the workers never outlive their parent, locks name the process
// that holds the run, SIGINT/SIGTERM stop every run at a step boundary with a checkpoint, print how to resume and
// exit 130, and a rerun finishes each run exactly once, resuming from the checkpoints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { alive, lockPid, runDirs, spawnCli, temporary, tinyExperiment, waitFor } from './faults-helpers.js';

const checkpointsExist = (out: string) => () => {
  const dirs = runDirs(out);
  return dirs.length === 2 && dirs.every((dir) => fs.existsSync(path.join(dir, 'checkpoints', 'checkpoint.safetensors')));
};

for (const signal of ['SIGKILL', 'SIGTERM', 'SIGINT'] as const) {
  test(`${signal} to the parent of run --workers 2: workers stop too; a rerun resumes and runs each run once`, async () => {
    const dir = temporary('orphans');
    try {
      const config = tinyExperiment(dir, 400);
      const out = path.join(dir, 'out');
      const args = ['run', config, '--out', out, '--workers', '2', '--threads', '1', '--no-report', '--verbose'];
      const first = spawnCli(args);
      await waitFor('both runs to checkpoint', checkpointsExist(out));
      const locks = runDirs(out).map((d) => path.join(d, 'running.lock'));
      await waitFor('workers to adopt the locks', () => locks.every((file) => { const pid = lockPid(file); return pid !== null && pid !== first.child.pid; }));
      const workers = locks.map((file) => lockPid(file)!);
      assert.ok(workers.every(alive), 'the locks name the live workers');
      first.child.kill(signal);
      const { code } = await first.exit;
      await waitFor('the workers to exit', () => workers.every((pid) => !alive(pid)), 30_000);
      if (signal !== 'SIGKILL') {
        assert.equal(code, 130, first.output());
        assert.match(first.output(), /resume with: sketchprune run /);
        assert.match(first.output(), /interrupted \(stopped at step \d+ with a checkpoint/);
      }
      await waitFor('the locks to be released', () => locks.every((file) => !fs.existsSync(file)), 10_000);
      for (const d of runDirs(out)) assert.ok(!fs.existsSync(path.join(d, 'result.json')), 'no run finished before the kill');

      const second = spawnCli(args);
      const done = await second.exit;
      assert.equal(done.code, 0, second.output());
      for (const d of runDirs(out)) {
        const result = JSON.parse(fs.readFileSync(path.join(d, 'result.json'), 'utf8'));
        assert.equal(result.steps, 3200);
        assert.ok(result.resumedFromStep > 0, `resumed from a checkpoint (${result.resumedFromStep})`);
        // One line per epoch in metrics.jsonl: nothing trained twice or lost across the interruption.
        const epochs = fs.readFileSync(path.join(d, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((l) => l.type === 'epoch').map((l) => l.epoch);
        assert.deepEqual(epochs, Array.from({ length: 400 }, (_, i) => i + 1));
      }
      assert.match(second.output(), /runs: 2 done/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('two concurrent `run` of one experiment execute each run exactly once', async () => {
  const dir = temporary('concurrent');
  try {
    const config = tinyExperiment(dir, 20);
    const out = path.join(dir, 'out');
    const args = ['run', config, '--out', out, '--threads', '1', '--no-report', '--verbose'];
    const [a, b] = [spawnCli(args), spawnCli(args)];
    const [ra, rb] = await Promise.all([a.exit, b.exit]);
    assert.equal(ra.code, 0, a.output());
    assert.equal(rb.code, 0, b.output());
    const ran = (a.output().match(/: done in/g) ?? []).length + (b.output().match(/: done in/g) ?? []).length;
    assert.equal(ran, 2, `${a.output()}\n----\n${b.output()}`);
    for (const d of runDirs(out)) assert.equal(JSON.parse(fs.readFileSync(path.join(d, 'result.json'), 'utf8')).resumedFromStep, null);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('Ctrl-C (SIGINT) to train: stops at a step boundary with a checkpoint, prints how to resume, exits 130', async () => {
  const dir = temporary('train-int');
  try {
    const out = path.join(dir, 'run');
    const args = ['train', '--model', 'lenet300', '--dataset', 'fashion-mnist', '--epochs', '40', '--batch-size', '64', '--lr', '0.05',
      '--limit-train', '512', '--limit-test', '100', '--threads', '1', '--progress', 'lines', '--out', out];
    const first = spawnCli(args);
    await waitFor('the first epoch', () => fs.existsSync(path.join(out, 'metrics.jsonl')) && fs.statSync(path.join(out, 'metrics.jsonl')).size > 0);
    first.child.kill('SIGINT');
    assert.equal((await first.exit).code, 130, first.output());
    assert.match(first.output(), /interrupted: stopping after this step with a checkpoint/);
    const resume = /resume with: sketchprune train (.*)$/m.exec(first.output());
    assert.ok(resume, first.output());
    assert.match(resume[1], /--resume/);
    assert.ok(!fs.existsSync(path.join(out, 'running.lock')));
    const second = spawnCli([...args, '--resume']);
    assert.equal((await second.exit).code, 0, second.output());
    assert.match(second.output(), /resuming at epoch \d+, batch \d+\/8 \(step [1-9]\d*\)/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
