// `run --slurm` through the command line: the sbatch script and experiment.json it writes, `report` on the
// pending runs, `--shard I/N --dry-run`, and the flag mistakes that exit 2. The script itself is unit-tested in
// test/experiments/slurm.test.ts; a real Slurm cluster runs it in test/e2e/slurm.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'sp-slurm-'));
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
