import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareMasks, MASK_METHODS } from '../../src/sketch/index.js';

test('mask comparison: series per method, top-s at s = d is exact, keep-counts and exact expectations', () => {
  const report = compareMasks({ d: 80, n: 8, budgets: [8, 40, 80], drifts: [0, 0.5, 1], reps: 6, seed: 3 });
  assert.deepEqual(report.versusBudget.series.map((series) => series.method), MASK_METHODS.map((m) => m.method));
  const byMethod = Object.fromEntries(report.versusBudget.series.map((series) => [series.method, series.points]));
  // Keeping every weight (top-s with s = d) reproduces the features exactly.
  assert.ok(byMethod['top-s'][2].mean < 1e-20);
  byMethod['top-s'].forEach((point, i) => assert.equal(point.meanKeepCount, [8, 40, 80][i]));
  for (const point of byMethod.sketch) assert.ok(point.meanKeepCount <= point.x && point.expectedMean !== null);
  // top-matched keeps exactly as many weights as the sketch did.
  byMethod['top-matched'].forEach((point, i) => assert.equal(point.meanKeepCount, byMethod.sketch[i].meanKeepCount));
  // The versus-distance series uses one budget (d/10 by default) at each requested distance.
  const topByDrift = report.versusDrift.series.find((series) => series.method === 'top-s')!.points;
  assert.deepEqual(topByDrift.map((point) => point.x), [0, 0.5, 1]);
  assert.equal(report.versusDrift.budget, 8);
  for (const point of topByDrift) assert.equal(point.meanKeepCount, 8);
  // The uniform exact expectation at drift 0 with s = d/10 is ≈ (d−1)/s on average (E_X of the relative error ≈ that).
  const uniform = report.versusDrift.series.find((series) => series.method === 'uniform')!.points[0];
  assert.ok(uniform.expectedMean! > 0.5 * 79 / 8 && uniform.expectedMean! < 2 * 79 / 8);
  assert.ok(JSON.parse(JSON.stringify(report)).versusDrift.series.length === 4);
});

test('bad options are named', () => {
  assert.throws(() => compareMasks({ d: 10, budgets: [20] }), /budget 20 exceeds d = 10/);
  assert.throws(() => compareMasks({ d: 10, budgets: [0] }), /budget \(the number of draws\) must be a positive integer, got 0/);
  assert.throws(() => compareMasks({ d: 10, budgets: [5], drifts: [-1] }), /drift must be a finite number ≥ 0, got -1/);
  assert.throws(() => compareMasks({ d: 10, budgets: [5], reps: 1 }), /reps must be an integer ≥ 2, got 1/);
});
