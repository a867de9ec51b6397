// Sweeps on a real Slurm: scripts/slurm-local.sh starts a one-node cluster (munge, slurmctld, slurmd; installed
// when missing), `run demo --quick --slurm --shards 3 --submit` submits a 3-task job array over one shared runs
// directory, `report` works while it runs, and once it is done its table equals a local run's number for number
// (same seeds, same thread pinning: OMP_NUM_THREADS=1 and --threads 1, as the array tasks use). The cluster is
// stopped at the end. Needs root to install and start the daemons; Fashion-MNIST for the demo.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { probeDatasets } from '../../src/data/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const cli = path.join(root, 'bin', 'sketchprune.js');
const clusterScript = path.join(root, 'scripts', 'slurm-local.sh');
const haveFashion = probeDatasets().some((d) => d.name === 'fashion-mnist' && d.location !== null && d.problems.length === 0);
const isRoot = process.getuid?.() === 0;
const haveSlurm = spawnSync('sh', ['-c', 'command -v sbatch && command -v slurmctld && command -v munged'], { stdio: 'ignore' }).status === 0;
const skip = !haveFashion ? 'Fashion-MNIST not installed' : !isRoot && !haveSlurm ? 'Slurm not installed and not root (run scripts/setup.sh as root)' : !isRoot ? 'starting slurmd/munged needs root' : false;

function cluster(action: 'start' | 'stop'): { status: number | null; stdout: string; stderr: string } {
  return spawnSync('bash', [clusterScript, action], { encoding: 'utf8', timeout: 600_000 });
}

/** The table rows (Markdown lines starting with "|") of a report table file. */
function tableLines(file: string): string[] {
  return fs.readFileSync(file, 'utf8').split('\n').filter((line) => line.startsWith('|'));
}

test('a 3-task Slurm job array runs demo --quick into one directory; its report equals a local run', { skip, timeout: 900_000 }, async (t) => {
  const started = cluster('start');
  t.after(() => {
    const stopped = cluster('stop');
    assert.equal(stopped.status, 0, stopped.stderr);
  });
  assert.equal(started.status, 0, `slurm-local.sh start failed:\n${started.stdout}\n${started.stderr}`);
  const conf = /export SLURM_CONF=(\S+)/.exec(started.stdout)?.[1];
  assert.ok(conf && fs.existsSync(conf), `start prints the configuration: ${started.stdout}`);
  const env = { ...process.env, SLURM_CONF: conf };
  const sinfo = spawnSync('sinfo', ['-h', '-o', '%a %T %D'], { encoding: 'utf8', env });
  assert.match(sinfo.stdout, /^up (idle|mixed|allocated) 1$/m, sinfo.stdout + sinfo.stderr);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sp-slurm-e2e-'));
  const shared = path.join(dir, 'shared-runs');
  const submit = spawnSync(process.execPath, [cli, 'run', 'demo', '--quick', '--slurm', '--shards', '3', '--cpus-per-task', '1', '--time', '10', '--out', shared, '--submit'],
    { encoding: 'utf8', env, cwd: dir, timeout: 60_000 });
  assert.equal(submit.status, 0, `${submit.stdout}\n${submit.stderr}`);
  const job = /submitted: job (\d+)/.exec(submit.stdout)?.[1];
  assert.ok(job, submit.stdout);
  const script = fs.readFileSync(path.join(shared, 'slurm', 'sketchprune-demo-quick.sbatch'), 'utf8');
  assert.match(script, /#SBATCH --array=1-3\n/);

  // The report works on the directory whatever the array has done by now (every run is counted once).
  let partial: string | undefined;
  let ranLocally = false;
  // The local reference run, with the array tasks' thread pinning (OpenBLAS reads OMP_NUM_THREADS).
  const runLocally = (): void => {
    ranLocally = true;
    const local = spawnSync(process.execPath, [cli, 'run', 'demo', '--quick', '--threads', '1', '--out', path.join(dir, 'local-runs'), '--report', path.join(dir, 'local-report')],
      { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' }, cwd: dir, timeout: 600_000 });
    assert.equal(local.status, 0, `${local.stdout}\n${local.stderr}`);
  };
  const deadline = Date.now() + 600_000;
  for (;;) {
    const started = fs.readdirSync(shared).some((d) => fs.existsSync(path.join(shared, d, 'config.json')));
    if (partial === undefined && started) {
      const report = spawnSync(process.execPath, [cli, 'report', shared, '--out', path.join(dir, 'partial-report')], { encoding: 'utf8', env, timeout: 120_000 });
      assert.equal(report.status, 0, `${report.stdout}\n${report.stderr}`);
      partial = /Runs: (\d+) of (\d+) done, (\d+) diverged, (\d+) failed, (\d+) running, (\d+) pending\./.exec(report.stdout)?.[0];
      const counts = partial?.match(/\d+/g)?.map(Number);
      assert.ok(counts, report.stdout);
      assert.equal(counts[1], 6);
      assert.equal(counts[0]! + counts[2]! + counts[3]! + counts[4]! + counts[5]!, 6, partial);
    }
    const queue = spawnSync('squeue', ['-h', '-j', job, '-o', '%i %T'], { encoding: 'utf8', env });
    if (queue.status === 0 && queue.stdout.trim() === '' && partial !== undefined) break;
    // Meanwhile (once the array has started) the same runs locally, into a directory of its own.
    if (partial !== undefined && !ranLocally) { runLocally(); continue; }
    assert.ok(Date.now() < deadline, `job ${job} still queued after 10 minutes:\n${queue.stdout}`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }

  if (!ranLocally) runLocally();
  assert.ok(partial !== undefined, 'a report of the partly finished directory was made');
  t.diagnostic(`report while the array ran: ${partial}`);

  // Three tasks ran, each its own two runs, none skipped because another task had them.
  const logs = fs.readdirSync(path.join(shared, 'slurm')).filter((f) => f.endsWith('.out')).sort();
  assert.deepEqual(logs, [1, 2, 3].map((task) => `sketchprune-demo-quick-${job}_${task}.out`));
  for (const log of logs) {
    const text = fs.readFileSync(path.join(shared, 'slurm', log), 'utf8');
    assert.match(text, /shard \d\/3: 2 of 6 runs/, text);
    assert.match(text, /runs: 2 done, 0 skipped \(finished earlier\), 0 failed/, text);
  }

  const report = spawnSync(process.execPath, [cli, 'report', shared, '--out', path.join(dir, 'slurm-report')], { encoding: 'utf8', env, timeout: 120_000 });
  assert.equal(report.status, 0, `${report.stdout}\n${report.stderr}`);
  assert.match(report.stdout, /Runs: 6 of 6 done, 0 diverged, 0 failed, 0 running, 0 pending\./);
  const fromSlurm = tableLines(path.join(dir, 'slurm-report', 'demo-table1.md'));
  const fromLocal = tableLines(path.join(dir, 'local-report', 'demo-table1.md'));
  assert.equal(fromSlurm.length, 5, fromSlurm.join('\n')); // header, rule, three densities
  assert.deepEqual(fromSlurm, fromLocal);
  // And run for run: the same directories (hash of the spec) with the same accuracies.
  const accuracies = (runs: string): Record<string, number> => Object.fromEntries(fs.readdirSync(runs)
    .filter((d) => fs.existsSync(path.join(runs, d, 'result.json')))
    .map((d) => [d, JSON.parse(fs.readFileSync(path.join(runs, d, 'result.json'), 'utf8')).testAccuracy as number]));
  const slurmAccuracies = accuracies(shared);
  assert.equal(Object.keys(slurmAccuracies).length, 6);
  assert.deepEqual(slurmAccuracies, accuracies(path.join(dir, 'local-runs')));
});
