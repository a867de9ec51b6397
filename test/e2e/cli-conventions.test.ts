// Conventions every command shares: --version, exit statuses (0 ok, 1 runtime, 2 usage), one output root
// (--root / SKETCHPRUNE_HOME) with the same layout, and demo/run demo sharing a runs directory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { experimentDirName, extractRoot } from '../../src/cli/paths.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const cli = path.join(root, 'bin', 'sketchprune.js');
const sp = (args: string[], options: { cwd?: string; env?: Record<string, string> } = {}) =>
  spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000, cwd: options.cwd, env: { ...process.env, SKETCHPRUNE_HOME: '', ...options.env } });

test('--version prints package.json\'s version', () => {
  const { version } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  for (const flag of ['--version', '-V']) {
    const run = sp([flag]);
    assert.equal(run.status, 0);
    assert.equal(run.stdout, `sketchprune ${version}\n`);
  }
});

test('exit statuses: 2 for usage errors in every command (demo included), 1 for runtime errors, 0 for help', () => {
  assert.equal(sp([]).status, 2, 'no command');
  assert.equal(sp(['frobnicate']).status, 2, 'unknown command');
  for (const command of [['prune'], ['train'], ['run'], ['report'], ['demo'], ['datasets'], ['sketch', 'verify']]) {
    const bad = sp([...command, '--bogus']);
    assert.equal(bad.status, 2, `${command.join(' ')} --bogus: ${bad.stderr}`);
    assert.match(bad.stderr, /Unknown option '--bogus'/);
    assert.equal(sp([...command, '--help']).status, 0, `${command.join(' ')} --help`);
  }
  assert.equal(sp(['demo', '--workers', '0']).status, 2);
  assert.equal(sp(['run', 'demo', '--workers', 'x']).status, 2);
  assert.equal(sp(['sketch', 'compare', '--d', '0']).status, 2);
  const missing = sp(['report', path.join(os.tmpdir(), 'sp-no-such-runs-dir')]);
  assert.equal(missing.status, 1, 'a runs directory that does not exist is a runtime error');
  assert.match(missing.stderr, /^sketchprune report: .*sp-no-such-runs-dir: runs directory does not exist/);
  assert.equal(sp(['--root']).status, 2, '--root without a directory');
});

test('prune --density 10 is refused before any work (no model built, nothing written)', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'sp-density-'));
  for (const [flag, value] of [['--density', '10'], ['--density', '0'], ['--sparsity', '1'], ['--compression', '-1']] as const) {
    const run = sp(['prune', '--model', 'vgg19', '--method', 'synflow', flag, value], { cwd: work });
    assert.equal(run.status, 2, `${flag} ${value}: ${run.stderr}`);
    assert.ok(!run.stdout.includes('pruning vgg19'), 'no pruning started');
  }
  assert.match(sp(['prune', '--model', 'vgg19', '--method', 'synflow', '--density', '10'], { cwd: work }).stderr, /--density is the kept fraction, in \(0, 1\], got '10' \(10% is --density 0\.1\)/);
  assert.deepEqual(fs.readdirSync(work), []);
});

test('one output root: --root or SKETCHPRUNE_HOME, same runs/ and reports/ layout for every command', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'sp-root-'));
  const home = path.join(work, 'home');
  // prune: --root anywhere on the line
  const prune = sp(['prune', '--model', 'lenet300', '--method', 'magnitude', '--density', '0.1', '--root', home, '--json'], { cwd: work });
  assert.equal(prune.status, 0, prune.stderr);
  assert.deepEqual(JSON.parse(prune.stdout).masks, [path.join(home, 'runs', 'masks', 'lenet300-magnitude-threshold-d0.1-s0.safetensors')]);
  // run --dry-run: runs/<name> at the cpu scale (the demo's own directory), runs/<name>-<scale> otherwise
  const dry = sp(['--root', home, 'run', 'demo', '--dry-run', '--json'], { cwd: work });
  assert.equal(JSON.parse(dry.stdout).out, path.join(home, 'runs', 'demo'));
  const quick = sp(['run', 'demo', '--scale', 'quick', '--dry-run', '--json'], { cwd: work, env: { SKETCHPRUNE_HOME: home } });
  assert.equal(JSON.parse(quick.stdout).out, path.join(home, 'runs', 'demo-quick'));
  // report: reports/<name of the runs directory> below the root (the runs directory itself is given as is)
  const runs = path.join(work, 'elsewhere', 'mine', 'r0');
  fs.mkdirSync(runs, { recursive: true });
  fs.writeFileSync(path.join(runs, 'config.json'), JSON.stringify({ method: 'SynFlow', density: 0.1, seed: 0 }));
  fs.writeFileSync(path.join(runs, 'result.json'), JSON.stringify({ testAccuracy: 0.9 }));
  const report = sp(['report', path.join(work, 'elsewhere', 'mine'), '--json'], { cwd: work, env: { SKETCHPRUNE_HOME: home } });
  assert.equal(JSON.parse(report.stdout).html, path.join(home, 'reports', 'mine', 'index.html'));
  // a relative RUNS_DIR that is not in the current directory is found below the root
  fs.cpSync(path.join(work, 'elsewhere', 'mine'), path.join(home, 'runs', 'theirs'), { recursive: true });
  const below = sp(['--root', home, 'report', 'runs/theirs', '--json'], { cwd: work });
  assert.equal(below.status, 0, below.stderr);
  assert.equal(JSON.parse(below.stdout).runsDir, path.join(home, 'runs', 'theirs'));
  // without a root: the current directory
  const here = sp(['run', 'table4', '--dry-run', '--json'], { cwd: work });
  assert.equal(JSON.parse(here.stdout).out, path.join(work, 'runs', 'table4'));
  fs.rmSync(work, { recursive: true, force: true });
});

test('paths: experimentDirName and extractRoot', () => {
  assert.equal(experimentDirName('demo', 'cpu'), 'demo');
  assert.equal(experimentDirName('demo', 'quick'), 'demo-quick');
  assert.deepEqual(extractRoot(['run', '--root=/x', 'demo']), { argv: ['run', 'demo'], root: '/x' });
  assert.deepEqual(extractRoot(['run', 'demo', '--', '--root', 'y']), { argv: ['run', 'demo', '--', '--root', 'y'] });
  assert.equal(extractRoot(['--root', '--json']).error, '--root needs a directory');
});
