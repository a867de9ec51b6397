// `sketchprune demo --quick` end to end through the CLI: real Fashion-MNIST, SynFlow ± randomized mask, report.
// Skipped when Fashion-MNIST is not installed. Takes about half a minute on 2 cores.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { probeDatasets } from '../../src/data/index.js';
import { CHROMIUM, assertPageWorks } from './browser.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const cli = path.join(root, 'bin', 'sketchprune.js');
const haveFashion = probeDatasets().some((d) => d.name === 'fashion-mnist' && d.location !== null && d.problems.length === 0);

test('demo --quick prunes, trains and reports on Fashion-MNIST', { skip: haveFashion ? false : 'Fashion-MNIST not installed' }, () => {
  // From a fresh directory with the default (relative) runs and report directories, as a user runs it.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sp-demo-'));
  const out = path.join(dir, 'runs', 'demo-quick');
  const report = path.join(dir, 'reports', 'demo-quick');
  const run = spawnSync(process.execPath, [cli, 'demo', '--quick', '--workers', '2'], { cwd: dir, encoding: 'utf8', timeout: 300_000 });
  assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
  assert.match(run.stdout, /report: .*index\.html/);
  const results = fs.readdirSync(out).filter((d) => d !== 'experiment.json' && d !== 'log.txt')
    .map((d) => ({ config: JSON.parse(fs.readFileSync(path.join(out, d, 'config.json'), 'utf8')), result: JSON.parse(fs.readFileSync(path.join(out, d, 'result.json'), 'utf8')) }));
  assert.equal(results.length, 6);
  for (const { config, result } of results) {
    assert.ok(result.testAccuracy > 0.5, `${config.name}: accuracy ${result.testAccuracy} after 100 steps should beat chance (0.1) by far`);
    assert.ok(Math.abs(result.measuredDensity - config.density) < 1e-4);
  }
  // One seed: each cell is that run's accuracy in percent with 2 decimals.
  const table = fs.readFileSync(path.join(report, 'demo-table1.md'), 'utf8');
  for (const { config, result } of results) assert.ok(table.includes((100 * result.testAccuracy).toFixed(2)), `${config.name} in\n${table}`);
  if (CHROMIUM !== undefined) assertPageWorks(path.join(report, 'index.html'));
  else assert.ok(fs.existsSync(path.join(report, 'index.html')));
  // A second invocation finds everything finished.
  const again = spawnSync(process.execPath, [cli, 'demo', '--quick', '--out', out, '--report', report], { encoding: 'utf8', timeout: 120_000 });
  if (CHROMIUM !== undefined) assertPageWorks(path.join(report, 'index.html'));
  assert.equal(again.status, 0);
  assert.match(again.stdout, /^6 of 6 runs finished earlier, skipped$/m);
  assert.ok(!again.stdout.includes('] lenet300'), 'no per-run lines without --verbose');
  // `run demo --scale quick` uses the same runs directory (from the same directory, by default): all finished.
  const shared = spawnSync(process.execPath, [cli, 'run', 'demo', '--scale', 'quick', '--dry-run', '--json'], { cwd: dir, encoding: 'utf8' });
  const plan = JSON.parse(shared.stdout);
  assert.equal(plan.out, out);
  assert.deepEqual(plan.runs.map((r: { state: string }) => r.state), Array(6).fill('finished'));
  // The first invocation printed one progress line per run (k/6 done, ETA), and log.txt has every line.
  assert.equal((run.stdout.match(/^\[\d\/6\] \d done.*ETA/gm) ?? []).length, 6, run.stdout);
  assert.ok(fs.readFileSync(path.join(out, 'log.txt'), 'utf8').includes('epoch 1/1 done'));
});

test('CLI: --help everywhere, and clear errors for bad arguments', () => {
  for (const command of ['run', 'report', 'demo']) {
    const help = spawnSync(process.execPath, [cli, command, '--help'], { encoding: 'utf8' });
    assert.equal(help.status, 0);
    assert.match(help.stdout, new RegExp(`^Usage: sketchprune ${command}`));
  }
  const unknown = spawnSync(process.execPath, [cli, 'run', 'no-such-preset'], { encoding: 'utf8' });
  assert.equal(unknown.status, 1);
  assert.match(unknown.stderr, /no-such-preset: invalid config:\n {2}no such config file or preset \(presets: demo, figure1, figure2, sketch-ablation, table1, table2, table3, table4\)/);
  const scale = spawnSync(process.execPath, [cli, 'run', 'demo', '--scale', 'huge'], { encoding: 'utf8' });
  assert.equal(scale.status, 2);
  assert.match(scale.stderr, /--scale must be one of quick, cpu, full, got 'huge'/);
  const dry = spawnSync(process.execPath, [cli, 'run', 'table1', '--dry-run', '--out', fs.mkdtempSync(path.join(os.tmpdir(), 'sp-dry-'))], { encoding: 'utf8' });
  assert.equal(dry.status, 0);
  assert.equal((dry.stdout.match(/^ {2}new /gm) ?? []).length, 72);
  const full = spawnSync(process.execPath, [cli, 'run', 'table1', '--scale', 'full', '--dry-run'], { encoding: 'utf8' });
  assert.equal((full.stdout.match(/ vgg19 cifar100 /g) ?? []).length, 72);
});
