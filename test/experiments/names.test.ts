// Experiment names become directory and file names: a name that is not one plain path component is refused at
// load time, and a hand-edited experiment.json cannot make the report write outside its directory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildExperiment } from '../../src/experiments/experiment.js';
import { runExperiment } from '../../src/experiments/scheduler.js';
import { buildReport } from '../../src/experiments/report-builder.js';
import { slugName } from '../../src/foundations/names.js';
import { execute } from './fake-executor.js';

const base = { model: 'lenet300', dataset: 'synthetic', pruning: { method: 'random' }, train: { epochs: 1 }, density: 0.1 };

test('names with path separators, dot-dot or odd characters are refused with a suggested slug', () => {
  for (const name of ['../../escape', '/etc/cron.d/x', 'a/b', '..', '.', '', 'a\\b', 'x'.repeat(101), 'name with spaces']) {
    assert.throws(() => buildExperiment({ name, base, grid: { density: [0.1] } }, 'x.json'),
      (error: Error) => /name: must be a plain name/.test(error.message), JSON.stringify(name));
  }
  assert.match((() => { try { buildExperiment({ name: '../../escape', base }, 'x.json'); } catch (e) { return (e as Error).message; } return ''; })(), /e\.g\. 'escape'/);
  for (const name of ['table3', 'fig-2a_v1.0', 'A']) assert.equal(buildExperiment({ name, base }, 'x.json').name, name);
  assert.equal(slugName('../../a b/c'), 'a-b-c');
});

test('a hand-edited experiment.json name cannot place report files outside the report directory', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sp-names-'));
  try {
    const out = path.join(root, 'deep', 'runs');
    const reportDir = path.join(root, 'deep', 'report');
    await runExperiment(buildExperiment({ name: 'ok', base, grid: { density: [0.1, 0.05] } }, 'inline'), { out, execute, log: () => {} });
    const indexFile = path.join(out, 'experiment.json');
    const index = JSON.parse(fs.readFileSync(indexFile, 'utf8'));
    fs.writeFileSync(indexFile, JSON.stringify({ ...index, name: '../../escaped' }));
    const report = await buildReport(out, reportDir);
    const inside = (file: string) => path.resolve(file).startsWith(path.resolve(reportDir) + path.sep);
    assert.ok(report.tables.length > 0);
    for (const table of report.tables) assert.ok(inside(table.markdown) && inside(table.csv), table.markdown);
    for (const plot of report.plots) for (const file of Object.values(plot)) assert.ok(inside(file as string), String(file));
    assert.deepEqual(fs.readdirSync(root).sort(), ['deep']);
    assert.deepEqual(fs.readdirSync(path.join(root, 'deep')).sort(), ['report', 'runs']);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
