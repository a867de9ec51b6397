import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aggregate, groupBy, summarize } from '../../src/report/stats.js';

test('summarize: mean and sample std (divisor n - 1), computed by hand', () => {
  // values 93.01, 93.20, 92.83: mean = 279.04 / 3 = 93.01333…; deviations -0.00333, 0.18667, -0.18333;
  // squares sum = 0.0000111 + 0.0348444 + 0.0336111 = 0.0684667; / (3 - 1) = 0.0342333; sqrt = 0.1850225
  const s = summarize([93.01, 93.2, 92.83]);
  assert.equal(s.n, 3);
  assert.ok(Math.abs(s.mean - 93.0133333333) < 1e-9, `mean ${s.mean}`);
  assert.ok(Math.abs(s.std - 0.1850225211) < 1e-9, `std ${s.std}`);
  assert.equal(s.min, 92.83);
  assert.equal(s.max, 93.2);
  // 1, 2, 3, 4: sum of squared deviations 5, sample variance 5/3 (population would be 5/4)
  assert.ok(Math.abs(summarize([1, 2, 3, 4]).std - Math.sqrt(5 / 3)) < 1e-15);
});

test('summarize: one value has no spread (NaN std), none gives NaN, NaN propagates', () => {
  assert.equal(summarize([0.5]).mean, 0.5);
  assert.ok(Number.isNaN(summarize([0.5]).std));
  const empty = summarize([]);
  assert.equal(empty.n, 0);
  assert.ok(Number.isNaN(empty.mean));
  assert.ok(Number.isNaN(summarize([1, NaN]).mean));
});

test('summarize: no cancellation for large, close values', () => {
  const s = summarize([1e9 + 1, 1e9 + 2, 1e9 + 3]);
  assert.ok(Math.abs(s.std - 1) < 1e-6, `std ${s.std}`);
});

test('groupBy keeps first-appearance order and distinguishes values by type', () => {
  const groups = groupBy([{ m: 'a', d: 1 }, { m: 'b', d: 1 }, { m: 'a', d: '1' }, { m: 'a', d: 1 }], ['m', 'd']);
  assert.deepEqual(groups.map((g) => [g.key, g.rows.length]), [[{ m: 'a', d: 1 }, 2], [{ m: 'b', d: 1 }, 1], [{ m: 'a', d: '1' }, 1]]);
});

test('aggregate: mean ± std over seeds per (method, density)', () => {
  const rows = [
    { method: 'SynFlow', density: 0.1, seed: 0, accuracy: 0.90 },
    { method: 'SynFlow', density: 0.1, seed: 1, accuracy: 0.92 },
    { method: 'SynFlow', density: 0.05, seed: 0, accuracy: 0.88 },
    { method: 'SNIP', density: 0.1, seed: 0, accuracy: 0.80 },
    { method: 'SNIP', density: 0.1, seed: 1, accuracy: 0.86 },
    { method: 'SNIP', density: 0.1, seed: 2, accuracy: 0.83 },
  ];
  const result = aggregate(rows, ['method', 'density'], 'accuracy');
  assert.deepEqual(result.map((a) => a.key), [
    { method: 'SynFlow', density: 0.1 }, { method: 'SynFlow', density: 0.05 }, { method: 'SNIP', density: 0.1 },
  ]);
  assert.ok(Math.abs(result[0]!.summary.mean - 0.91) < 1e-12);
  assert.ok(Math.abs(result[0]!.summary.std - Math.SQRT2 * 0.01) < 1e-12); // two values 0.02 apart: std = 0.02/√2
  assert.equal(result[1]!.summary.n, 1);
  assert.ok(Math.abs(result[2]!.summary.mean - 0.83) < 1e-12);
  assert.ok(Math.abs(result[2]!.summary.std - 0.03) < 1e-12); // deviations ±0.03, 0: sqrt(0.0018 / 2)
});

test('aggregate: a missing or non-numeric value names the field and the row', () => {
  assert.throws(() => aggregate([{ method: 'a', acc: 1 }], ['method'], 'accuracy'), /field "accuracy" is missing in row \{"method":"a","acc":1\}/);
  assert.throws(() => aggregate([{ method: 'a', accuracy: '0.9' }], ['method'], 'accuracy'), /field "accuracy" is string/);
});
