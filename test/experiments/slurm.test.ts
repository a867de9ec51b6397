// The sbatch job-array script that `run --slurm` writes: directives, one task per shard, threads pinned to the
// CPUs per task, quoting, and what a task actually executes (run with a stand-in for node); sbatch submission
// through a stand-in sbatch. `run --slurm` on the command line: test/e2e/slurm-cli.test.ts; a real Slurm:
// test/e2e/slurm.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { slurmArrayScript, slurmOptionProblems, submitSlurmArray, writeSlurmArray } from '../../src/experiments/slurm.js';

const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'sp-slurm-'));

test('the script has one array task per shard, the asked resources, and pins threads to the CPUs per task', () => {
  const out = tmp();
  const script = writeSlurmArray({
    experiment: 'demo', scale: 'quick', out, shards: 5, partition: 'gpu,debug', gpusPerTask: 1, cpusPerTask: 4,
    time: '1-02:00:00', arrayParallelism: 2, jobName: 'sketchprune-demo-quick', workdir: '/work dir/it\'s', node: '/usr/bin/node', cli: '/opt/sp/bin/sketchprune.js',
  });
  assert.equal(script.file, path.join(out, 'slurm', 'sketchprune-demo-quick.sbatch'));
  assert.equal(fs.readFileSync(script.file, 'utf8'), script.text);
  assert.ok((fs.statSync(script.file).mode & 0o111) !== 0, 'executable');
  const directives = script.text.split('\n').filter((l) => l.startsWith('#SBATCH ')).map((l) => l.slice(8));
  assert.deepEqual(directives, [
    '--job-name=sketchprune-demo-quick', '--array=1-5%2', '--ntasks=1', '--cpus-per-task=4', '--partition=gpu,debug',
    '--gpus-per-task=1', '--time=1-02:00:00', `--output=${path.join(out, 'slurm', '%x-%A_%a.out')}`,
  ]);
  assert.match(script.text, /\nexport OMP_NUM_THREADS=4 SKETCHPRUNE_THREADS=4\n/);
  assert.match(script.text, /\ncd '\/work dir\/it'\\''s'\n/);
  assert.ok(script.text.endsWith(`exec /usr/bin/node /opt/sp/bin/sketchprune.js run demo --scale quick --out ${out} --shard "\${SLURM_ARRAY_TASK_ID}/5" --threads 4 --device cuda\n`), 'a task given GPUs trains on them');
  assert.equal(spawnSync('bash', ['-n', script.file]).status, 0, 'valid bash');
});

test('each array task runs its own shard: the script executed with a stand-in node prints the command', () => {
  const out = tmp();
  const workdir = tmp();
  const fakeNode = path.join(workdir, 'fake-node');
  fs.writeFileSync(fakeNode, '#!/bin/sh\necho "$PWD|$OMP_NUM_THREADS|$*"\n', { mode: 0o755 });
  const { file } = writeSlurmArray({ experiment: 'demo', scale: 'quick', out, shards: 3, workdir, node: fakeNode, cli: 'CLI' });
  for (const task of [1, 2, 3]) {
    const result = spawnSync('bash', [file], { encoding: 'utf8', env: { ...process.env, SLURM_ARRAY_TASK_ID: String(task) } });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, `${fs.realpathSync(workdir)}|1|CLI run demo --scale quick --out ${out} --shard ${task}/3 --threads 1\n`);
  }
  const outside = spawnSync('bash', [file], { encoding: 'utf8', env: { ...process.env, SLURM_ARRAY_TASK_ID: '' } });
  assert.notEqual(outside.status, 0);
  assert.match(outside.stderr, /submit this script with sbatch: it is a job array/);
});

test('bad resource options are errors naming the flag; defaults leave the cluster its own', () => {
  const base = { experiment: 'demo', scale: 'quick', out: '/tmp/x', shards: 2 };
  assert.deepEqual(slurmOptionProblems(base), []);
  assert.deepEqual(slurmOptionProblems({ ...base, shards: 0, time: '2 hours', partition: 'a b', cpusPerTask: 1.5, gpusPerTask: -1 }), [
    '--shards must be an integer ≥ 1, got 0',
    '--gpus-per-task must be an integer ≥ 0, got -1',
    '--cpus-per-task must be an integer ≥ 1, got 1.5',
    "--partition must be a partition name (letters, digits, '_', '.', '-', comma-separated), got 'a b'",
    "--time must be a Slurm time limit (minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS), got '2 hours'",
  ]);
  for (const time of ['30', '30:00', '12:00:00', '2-0', '2-12:30', '2-12:30:00', 'UNLIMITED']) assert.deepEqual(slurmOptionProblems({ ...base, time }), [], time);
  const text = slurmArrayScript(base, '/tmp/x/slurm/%x-%A_%a.out');
  assert.ok(!/--partition|--gpus-per-task|--time/.test(text));
  assert.match(text, /#SBATCH --array=1-2\n/);
});

test('submission: the job id from sbatch --parsable; sbatch errors and a missing sbatch are explained', () => {
  const dir = tmp();
  const fake = (name: string, body: string): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    return file;
  };
  assert.equal(submitSlurmArray('/x.sbatch', fake('ok', 'echo "$1 $2" > "$(dirname "$0")/args"; echo "4711;cluster"')), '4711');
  assert.equal(fs.readFileSync(path.join(dir, 'args'), 'utf8'), '--parsable /x.sbatch\n');
  assert.throws(() => submitSlurmArray('/x.sbatch', fake('bad', 'echo "sbatch: error: invalid partition specified: gpu" >&2; exit 1')),
    /failed \(exit 1\): sbatch: error: invalid partition specified: gpu/);
  assert.throws(() => submitSlurmArray('/x.sbatch', path.join(dir, 'absent')), /not found: submit from a machine with Slurm's client tools \(the script is \/x\.sbatch\)/);
});

test('tasks without GPUs keep the experiment\'s device unless --device is given', () => {
  const base = { experiment: 'demo', scale: 'quick', shards: 2, node: '/usr/bin/node', cli: '/opt/sp/bin/sketchprune.js' };
  const cpu = writeSlurmArray({ ...base, out: tmp() });
  assert.ok(!cpu.text.includes('--device'), 'no GPUs asked: no --device');
  const chosen = writeSlurmArray({ ...base, out: tmp(), gpusPerTask: 2, device: 'cuda:1' });
  assert.ok(chosen.text.trimEnd().endsWith('--device cuda:1'), 'an explicit device wins');
});
