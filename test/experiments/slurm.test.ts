// The sbatch job-array script that `run --slurm` writes: directives, one task per shard, threads pinned to the
// CPUs per task, quoting, and what a task actually executes (run with a stand-in for node); sbatch submission
// through a stand-in sbatch. The real-Slurm test is test/e2e/slurm.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
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

const cli = path.join(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..'), 'bin', 'sketchprune.js');
const sketchprune = (args: string[], cwd: string) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd, timeout: 60_000 });

test('CLI: run --slurm writes the script and experiment.json (report: all pending); flag mistakes exit 2', () => {
  const dir = tmp();
  const written = sketchprune(['run', 'demo', '--quick', '--slurm', '--shards', '3', '--cpus-per-task', '2', '--out', 'shared'], dir);
  assert.equal(written.status, 0, written.stderr);
  const file = path.join(fs.realpathSync(dir), 'shared', 'slurm', 'sketchprune-demo-quick.sbatch');
  assert.match(written.stdout, new RegExp(`submit with: sbatch ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  const text = fs.readFileSync(file, 'utf8');
  assert.match(text, /#SBATCH --array=1-3\n[\s\S]*#SBATCH --cpus-per-task=2\n/);
  assert.match(text, /--shard "\$\{SLURM_ARRAY_TASK_ID\}\/3" --threads 2\n$/);
  const report = sketchprune(['report', 'shared', '--out', 'report'], dir);
  assert.equal(report.status, 0, report.stderr);
  assert.match(report.stdout, /Runs: 0 of 6 done, 0 diverged, 0 failed, 0 running, 6 pending\./);

  const dry = sketchprune(['run', 'demo', '--quick', '--shard', '2/3', '--dry-run', '--out', 'shared'], dir);
  assert.equal(dry.status, 0, dry.stderr);
  assert.match(dry.stdout, /shard 2\/3: 2 of 6 runs/);
  assert.equal(dry.stdout.split('\n').filter((l) => /^ {2}new /.test(l)).length, 2);

  for (const [args, message] of [
    [['--shard', '3/2'], /--shard 3\/2: I must be between 1 and N = 2/],
    [['--partition', 'gpu'], /--partition only works with --slurm/],
    [['--slurm', '--shard', '1/2'], /--slurm writes one array task per shard itself/],
    [['--slurm', '--time', 'soon'], /--time must be a Slurm time limit/],
    [['--slurm', '--shards', '0'], /--shards must be an integer ≥ 1, got '0'/],
    [['--quick', '--scale', 'cpu'], /--quick and --scale exclude each other/],
  ] as const) {
    const result = sketchprune(['run', 'demo', ...args, '--out', 'elsewhere'], dir);
    assert.equal(result.status, 2, `${args.join(' ')}: ${result.stdout}${result.stderr}`);
    assert.match(result.stderr, message);
  }
  assert.ok(!fs.existsSync(path.join(dir, 'elsewhere')), 'a usage error writes nothing');
});

test('tasks without GPUs keep the experiment\'s device unless --device is given', () => {
  const base = { experiment: 'demo', scale: 'quick', shards: 2, node: '/usr/bin/node', cli: '/opt/sp/bin/sketchprune.js' };
  const cpu = writeSlurmArray({ ...base, out: tmp() });
  assert.ok(!cpu.text.includes('--device'), 'no GPUs asked: no --device');
  const chosen = writeSlurmArray({ ...base, out: tmp(), gpusPerTask: 2, device: 'cuda:1' });
  assert.ok(chosen.text.trimEnd().endsWith('--device cuda:1'), 'an explicit device wins');
});
