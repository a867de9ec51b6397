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
  assert.deepEqual(runs.map((r) => [r.name, r.status]), [['SynFlow-s0', 'finished'], ['SNIP-s1', 'finished'], ['c3', 'unfinished']]);
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
  // the same torn last line that an unfinished run tolerates is corruption in a finished one
  fs.writeFileSync(path.join(dir, 'metrics.jsonl'), '{"epoch":0}\n{"epo');
  assert.throws(() => readRuns(root), /metrics\.jsonl:2: invalid JSON/);
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
