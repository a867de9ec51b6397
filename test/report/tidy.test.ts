import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tidyRunsCsv, tidyRunsTable } from '../../src/report/tidy.js';
import type { RunRecord } from '../../src/report/schema.js';

const run = (name: string, extra: Partial<RunRecord>): RunRecord => ({
  dir: `/r/${name}`, name, status: 'finished', config: { name, method: 'SynFlow', density: 0.05, seed: 1, preset: 'demo', train: { lr: 0.1 } }, metrics: [], ...extra,
});

test('tidyRunsTable: diverged (NaN) and unfinished runs, name clashes, nested config, relative dirs, CSV quoting', () => {
  const runs = [
    run('ok', { result: { testAccuracy: 0.5, seconds: 2, preset: 'from-result', note: 'a, "b"' }, metrics: [{ epoch: 1, test_top1: 0.6 }, { epoch: 2, test_top1: Number.NaN }] }),
    run('diverged', { result: { testAccuracy: Number.NaN, epochs: 4 }, metrics: [{ epoch: 1, test_top1: 0.3 }] }),
    run('pending', { status: 'unfinished' }),
  ];
  const table = tidyRunsTable(runs, '/r');
  // preset is both a result and a config field: the config's is prefixed.
  assert.deepEqual(table.columns, ['name', 'status', 'method', 'model', 'dataset', 'density', 'seed', 'testAccuracy', 'bestTestAccuracy',
    'epochs', 'seconds', 'preset', 'note', 'config.preset', 'train.lr', 'dir']);
  assert.deepEqual(table.rows, [
    ['ok', 'finished', 'SynFlow', '', '', '0.05', '1', '0.5', '0.6', '2', '2', 'from-result', 'a, "b"', 'demo', '0.1', 'ok'],
    ['diverged', 'finished', 'SynFlow', '', '', '0.05', '1', '', '0.3', '4', '', '', '', 'demo', '0.1', 'diverged'],
    ['pending', 'unfinished', 'SynFlow', '', '', '0.05', '1', '', '', '', '', '', '', 'demo', '0.1', 'pending'],
  ]);
  assert.equal(tidyRunsCsv(runs, '/r').split('\n')[1], 'ok,finished,SynFlow,,,0.05,1,0.5,0.6,2,2,from-result,"a, ""b""",demo,0.1,ok');
});
