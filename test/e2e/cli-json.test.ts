// `--json` on prune, train, run (incl. --dry-run and --list), report, sketch and datasets: stdout is exactly one
// JSON document (the human lines go to stderr), and its numbers agree with the files the command wrote.
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
const haveFashion = probeDatasets().some((d) => d.name === 'fashion-mnist' && d.location !== null && d.problems.length === 0);

/** Runs the CLI; stdout must parse as one JSON value, and something human-readable went to stderr. */
// biome-ignore lint/suspicious/noExplicitAny: each command prints JSON of its own shape
function json(cwd: string, ...args: string[]): { value: any; stderr: string; status: number | null } {
  const run = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8', timeout: 180_000 });
  let value: unknown;
  try {
    value = JSON.parse(run.stdout);
  } catch (error) {
    assert.fail(`sketchprune ${args.join(' ')}: stdout is not one JSON document (${(error as Error).message}):\n${run.stdout}\nstderr:\n${run.stderr}`);
  }
  return { value, stderr: run.stderr, status: run.status };
}

test('--json: run --list, run --dry-run, report', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'sp-json-'));
  const list = json(work, 'run', '--list', '--json');
  assert.equal(list.status, 0);
  assert.deepEqual(list.value.presets.map((p: { name: string }) => p.name), ['demo', 'figure1', 'figure2', 'sketch-ablation', 'table1', 'table2', 'table3', 'table4']);
  assert.equal(list.value.presets.find((p: { name: string }) => p.name === 'table1').runs.cpu, 72);

  const dry = json(work, 'run', 'table1', '--dry-run', '--json', '--out', 'runs/t1');
  assert.equal(dry.status, 0, dry.stderr);
  assert.equal(dry.value.dryRun, true);
  assert.equal(dry.value.out, path.join(work, 'runs', 't1'));
  assert.equal(dry.value.runs.length, 72);
  assert.ok(dry.value.runs.every((r: { state: string; dir: string }) => r.state === 'new' && r.dir.startsWith(path.join(work, 'runs', 't1') + path.sep)));
  assert.match(dry.stderr, /^ {2}new /m, 'the human listing went to stderr');

  // report --json on two made-up runs: the files it names exist and runs.csv has one line per run.
  for (const [seed, accuracy] of [[0, 0.8], [1, 0.9]] as const) {
    const dir = path.join(work, 'runs', 'mine', `r${seed}`);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ model: 'lenet300', dataset: 'fashion-mnist', method: 'SynFlow', density: 0.1, seed }));
    fs.writeFileSync(path.join(dir, 'result.json'), JSON.stringify({ testAccuracy: accuracy }));
  }
  const report = json(work, 'report', 'runs/mine', '--json');
  assert.equal(report.status, 0, report.stderr);
  assert.equal(report.value.html, path.join(work, 'reports', 'mine', 'index.html'));
  assert.equal(report.value.finished, 2);
  for (const file of [report.value.html, report.value.markdown, report.value.runsCsv, report.value.tables[0].csv]) assert.ok(fs.existsSync(file), file);
  assert.equal(fs.readFileSync(report.value.runsCsv, 'utf8').trim().split('\n').length, 3);
  fs.rmSync(work, { recursive: true, force: true });
});

test('--json: prune, and its record matches the saved mask file', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'sp-json-prune-'));
  const prune = json(work, 'prune', '--model', 'lenet300', '--method', 'magnitude', '--density', '0.1', '--out', 'm.safetensors', '--json');
  assert.equal(prune.status, 0, prune.stderr);
  assert.deepEqual(prune.value.masks, [path.join(work, 'm.safetensors')]);
  const { record } = prune.value;
  assert.equal(record.method, 'magnitude');
  assert.equal(record.total, 784 * 300 + 300 * 100 + 100 * 10);
  assert.equal(record.kept, record.layers.reduce((sum: number, l: { kept: number }) => sum + l.kept, 0));
  assert.ok(Math.abs(record.density - 0.1) < 1e-5, `density ${record.density}`);
  // safetensors: 8-byte little-endian header length, then the JSON header with the record as metadata.
  const bytes = fs.readFileSync(path.join(work, 'm.safetensors'));
  const header = JSON.parse(bytes.subarray(8, 8 + Number(bytes.readBigUInt64LE(0))).toString('utf8'));
  const saved = JSON.parse(header.__metadata__['sketchprune.pruning']);
  assert.equal(saved.kept, record.kept);
  assert.match(prune.stderr, /prunable weights kept/);
  const usage = spawnSync(process.execPath, [cli, 'prune', '--model', 'lenet300', '--method', 'magnitude', '--json'], { encoding: 'utf8' });
  assert.equal(usage.status, 2);
  assert.equal(usage.stdout, '', 'a usage error prints no JSON');
  fs.rmSync(work, { recursive: true, force: true });
});

test('--json: sketch compare and datasets', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'sp-json-sketch-'));
  const sketch = json(work, 'sketch', 'compare', '--quick', '--d', '60', '--n', '16', '--reps', '2', '--budgets', '10,30', '--drifts', '0,1', '--out', 'cmp', '--json');
  assert.equal(sketch.status, 0, sketch.stderr);
  assert.equal(sketch.value.files.json, path.join(work, 'cmp', 'compare.json'));
  assert.ok(fs.existsSync(sketch.value.files.json) && sketch.value.files.plots.every((f: string) => fs.existsSync(f)));
  const datasets = json(work, 'datasets', '--json');
  assert.ok(Array.isArray(datasets.value) && datasets.value.some((d: { name: string }) => d.name === 'fashion-mnist'));
  fs.rmSync(work, { recursive: true, force: true });
});

test('--json: train reports the test accuracy it wrote to result.json', { skip: haveFashion ? false : 'Fashion-MNIST not installed' }, () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'sp-json-train-'));
  const train = json(work, 'train', '--model', 'lenet300', '--dataset', 'fashion-mnist', '--epochs', '1', '--batch-size', '64', '--lr', '0.05',
    '--limit-train', '640', '--limit-test', '500', '--out', 'tr', '--progress', 'lines', '--json', '--tensorboard');
  assert.equal(train.status, 0, train.stderr);
  assert.equal(train.value.status, 'finished');
  assert.equal(train.value.steps, 10);
  const result = JSON.parse(fs.readFileSync(path.join(work, 'tr', 'result.json'), 'utf8'));
  assert.equal(train.value.test.top1, result.test.top1);
  assert.ok(train.value.test.top1 > 0.3, `10 steps beat chance: ${train.value.test.top1}`);
  assert.equal(train.value.model, path.join(work, 'tr', 'model.safetensors'));
  const events = fs.readFileSync(path.join(work, 'tr', 'events.out.tfevents.metrics.sketchprune'));
  assert.ok(events.includes(Buffer.from('test/accuracy')) && events.includes(Buffer.from('brain.Event:2')), '--tensorboard wrote the curves');
  fs.rmSync(work, { recursive: true, force: true });
});

test('--json: run executes an experiment file and reports each run and the report files', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'sp-json-run-'));
  fs.writeFileSync(path.join(work, 'tiny.json'), JSON.stringify({
    name: 'tiny',
    base: { model: 'fc', modelOptions: { widths: [16] }, dataset: 'synthetic', data: { trainSubset: 128, testSubset: 64 },
      train: { epochs: 1, batchSize: 32, maxStepsPerEpoch: 2, lr: 0.05 } },
    grid: { pruning: [{ method: 'magnitude' }], density: [0.5, 0.2] },
  }));
  const run = json(work, 'run', 'tiny.json', '--json', '--threads', '1', '--tensorboard');
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.value.dryRun, false);
  assert.deepEqual(run.value.runs.map((r: { density: number; status: string; state: string }) => [r.density, r.state, r.status]), [[0.5, 'new', 'finished'], [0.2, 'new', 'finished']]);
  for (const r of run.value.runs) {
    assert.ok(fs.existsSync(path.join(r.dir, 'result.json')), r.dir);
    assert.ok(fs.statSync(path.join(r.dir, 'events.out.tfevents.metrics.sketchprune')).size > 100, `${r.dir}: TensorBoard events`);
  }
  assert.equal(run.value.report.html, path.join(work, 'reports', 'tiny', 'index.html'));
  assert.equal(run.value.report.finished, 2);
  const again = json(work, 'run', 'tiny.json', '--json', '--no-report');
  assert.deepEqual(again.value.runs.map((r: { status: string }) => r.status), ['skipped', 'skipped']);
  assert.equal(again.value.report, null);
  fs.rmSync(work, { recursive: true, force: true });
});
