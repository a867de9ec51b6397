import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { readJsonl, readRuns, RunFileError, runRows } from '../../src/report/runs.js';
import { temporaryDir } from './helpers.js';

function writeRun(root: string, name: string, files: Record<string, unknown>): string {
  const dir = path.join(root, name);
  fs.mkdirSync(dir, { recursive: true });
  for (const [file, content] of Object.entries(files)) {
    fs.writeFileSync(path.join(dir, file), typeof content === 'string' ? content : JSON.stringify(content));
  }
  return dir;
}

const config = (method: string, seed: number) => ({ name: `${method}-s${seed}`, model: 'lenet300', dataset: 'fashion-mnist', method, density: 0.1, seed, lr: 0.1 });

test('readRuns: finished and unfinished runs, nested directories, result.json or record.json, metrics lines', () => {
  const root = temporaryDir('runs');
  writeRun(root, 'exp/a1', { 'config.json': config('SynFlow', 0), 'result.json': { testAccuracy: 0.88, top5: 0.99 },
    'metrics.jsonl': '{"epoch":0,"split":"train","loss":1.5}\n\n{"epoch":1,"split":"test","accuracy":0.88}\n' });
  writeRun(root, 'exp/b2', { 'config.json': config('SNIP', 1), 'record.json': { testAccuracy: null } });
  writeRun(root, 'exp/c3', { 'config.json': { model: 'lenet300' }, 'metrics.jsonl': '{"epoch":0}\n{"epo' }); // writer mid-line
  writeRun(root, 'notes', { 'README.txt': 'not a run' });
  const runs = readRuns(root);
  assert.deepEqual(runs.map((r) => [r.name, r.status]), [['SynFlow-s0', 'finished'], ['SNIP-s1', 'diverged'], ['c3', 'unfinished']]);
  assert.equal(runs[0]!.dir, path.join(root, 'exp/a1'));
  assert.deepEqual(runs[0]!.result, { testAccuracy: 0.88, top5: 0.99 });
  assert.equal(runs[0]!.resultFile, path.join(root, 'exp/a1/result.json'));
  assert.deepEqual(runs[0]!.metrics, [{ epoch: 0, split: 'train', loss: 1.5 }, { epoch: 1, split: 'test', accuracy: 0.88 }]);
  assert.ok(Number.isNaN(runs[1]!.result!.testAccuracy), 'null accuracy (diverged) reads as NaN');
  assert.equal(runs[1]!.resultFile, path.join(root, 'exp/b2/record.json'));
  assert.equal(runs[2]!.result, undefined);
  assert.deepEqual(runs[2]!.metrics, [{ epoch: 0 }], 'a torn last line of an unfinished run is skipped');

  const rows = runRows(runs);
  assert.equal(rows.length, 2, 'unfinished runs have no row');
  assert.equal(rows[1]!.diverged, true, 'a diverged run has a row flagged diverged');
  assert.ok(Number.isNaN(rows[1]!.testAccuracy));
  assert.deepEqual({ ...rows[0], dir: undefined }, { name: 'SynFlow-s0', dir: undefined, model: 'lenet300', dataset: 'fashion-mnist', method: 'SynFlow', density: 0.1, seed: 0, lr: 0.1, testAccuracy: 0.88, top5: 0.99 });
});

test('readRuns: a corrupt metrics line is an error naming the file and the line', () => {
  const root = temporaryDir('runs');
  const dir = writeRun(root, 'r', { 'config.json': config('SynFlow', 0), 'result.json': { testAccuracy: 0.5 },
    'metrics.jsonl': '{"epoch":0}\n{"epoch":1}\n{"epoch": 2,,}\n{"epoch":3}\n' });
  assert.throws(() => readRuns(root), (error: unknown) => {
    assert.ok(error instanceof RunFileError);
    assert.equal(error.file, path.join(dir, 'metrics.jsonl'));
    assert.equal(error.line, 3);
    assert.match(error.message, new RegExp(`^${escapeRegExp(path.join(dir, 'metrics.jsonl'))}:3: invalid JSON \\(.+\\): \\{"epoch": 2,,\\}$`));
    return true;
  });
  // a torn last line is skipped with a warning, in a finished run too (train --resume drops it the same way)
  fs.writeFileSync(path.join(dir, 'metrics.jsonl'), '{"epoch":0}\n{"epo');
  const [run] = readRuns(root);
  assert.deepEqual(run!.metrics, [{ epoch: 0 }]);
  assert.deepEqual(run!.warnings, [`${path.join(dir, 'metrics.jsonl')}:2: torn last line skipped`]);
  fs.writeFileSync(path.join(dir, 'metrics.jsonl'), '{"epoch":0}\n{"epoch": 1,\n\n');
  assert.deepEqual(readRuns(root)[0]!.metrics, [{ epoch: 0 }], 'a torn last line followed by a newline too');
  fs.writeFileSync(path.join(dir, 'metrics.jsonl'), '{"epoch":0}\n{"epo\n{"epoch":2}\n');
  assert.throws(() => readRuns(root), /metrics\.jsonl:2: invalid JSON/, 'a bad line before the last is corruption');
  fs.writeFileSync(path.join(dir, 'metrics.jsonl'), '{"epoch":0}\n[1,2]\n');
  assert.throws(() => readJsonl(path.join(dir, 'metrics.jsonl')), /metrics\.jsonl:2: expected a JSON object, got an array/);
});

test('readRuns: bad config or result files name the file and the problem', () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ 'config.json': '{"model": "x",' }, /config\.json: invalid JSON/],
    [{ 'config.json': '[1]' }, /config\.json: expected a JSON object, got an array/],
    [{ 'config.json': { density: '10%' } }, /config\.json: "density" must be a number, got string "10%"/],
    [{ 'config.json': { density: 10 } }, /config\.json: density must be a kept fraction in \(0, 1\], got 10/],
    [{ 'config.json': {}, 'result.json': { accuracy: 0.9 } }, /result\.json: missing field "testAccuracy"/],
    [{ 'config.json': {}, 'result.json': { testAccuracy: 93.01 } }, /result\.json: "testAccuracy" must be a fraction in \[0, 1\] or null, got number 93\.01/],
  ];
  for (const [files, message] of cases) {
    const root = temporaryDir('runs');
    writeRun(root, 'r', files);
    assert.throws(() => readRuns(root), message);
  }
  assert.throws(() => readRuns(path.join(temporaryDir('runs'), 'missing')), /missing: runs directory does not exist/);
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

test('readRuns: status of each run: finished, diverged (null accuracy or NonFiniteLossError), failed, running, interrupted', async () => {
  const root = temporaryDir('runs');
  const { spawnSync } = await import('node:child_process');
  const deadPid = spawnSync(process.execPath, ['-e', '0']).pid!; // exited: its lock is stale
  writeRun(root, 'a-done', { 'config.json': config('SynFlow', 0), 'result.json': { testAccuracy: 0.9 } });
  writeRun(root, 'b-nan', { 'config.json': config('SynFlow', 1), 'result.json': { testAccuracy: null } });
  writeRun(root, 'c-diverged', { 'config.json': config('SynFlow', 2),
    'error.txt': 'NonFiniteLossError: training stopped: the loss is NaN at epoch 1, batch 3/10\n    at trainModel (loop.js:1:1)\n' });
  writeRun(root, 'd-failed', { 'config.json': config('SNIP', 0), 'error.txt': '\nError: out of memory\n    at x\n' });
  writeRun(root, 'e-running', { 'config.json': config('SNIP', 1), 'running.lock': String(process.pid), 'error.txt': 'Error: earlier attempt\n' });
  writeRun(root, 'f-stale', { 'config.json': config('SNIP', 2), 'running.lock': String(deadPid) });
  writeRun(root, 'g-remote', { 'config.json': config('GraSP', 0), 'running.lock': JSON.stringify({ pid: 1, host: 'another-node-xyz' }) });
  writeRun(root, 'h-new', { 'config.json': config('GraSP', 1) });
  const runs = readRuns(root);
  assert.deepEqual(runs.map((r) => [path.basename(r.dir), r.status]), [
    ['a-done', 'finished'], ['b-nan', 'diverged'], ['c-diverged', 'diverged'], ['d-failed', 'failed'],
    ['e-running', 'running'], ['f-stale', 'unfinished'], ['g-remote', 'running'], ['h-new', 'unfinished'],
  ]);
  assert.equal(runs[2]!.error, 'NonFiniteLossError: training stopped: the loss is NaN at epoch 1, batch 3/10');
  assert.equal(runs[3]!.error, 'Error: out of memory');
  assert.deepEqual(runs[4]!.holder, { pid: process.pid });
  assert.deepEqual(runs[6]!.holder, { pid: 1, host: 'another-node-xyz' });
  const rows = runRows(runs);
  assert.deepEqual(rows.map((r) => [path.basename(r.dir), r.diverged ?? false]), [['a-done', false], ['b-nan', true], ['c-diverged', true]]);
  assert.ok(rows.slice(1).every((r) => Number.isNaN(r.testAccuracy)));
});
