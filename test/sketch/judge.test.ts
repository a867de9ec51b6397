import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  isDisagreement, isViolation, judgeBound, judgeEquality, judgeEqualityWithExact, judgeRounding, meanWithCI,
} from '../../src/sketch/index.js';

const estimate = (mean: number, halfWidth: number) => ({ ...meanWithCI([0, 1], 1), mean, ciLow: mean - halfWidth, ciHigh: mean + halfWidth });

test('bound verdicts: interval above → exceeded, below → holds (empirical); straddling → the exact value decides (analytic)', () => {
  assert.deepEqual(judgeBound(estimate(10, 1), 5, null), { verdict: 'exceeded', basis: 'empirical' });
  assert.deepEqual(judgeBound(estimate(3, 1), 5, null), { verdict: 'holds', basis: 'empirical' });
  assert.deepEqual(judgeBound(estimate(5, 1), 5.5, null), { verdict: 'inconclusive', basis: 'empirical' });
  assert.deepEqual(judgeBound(estimate(5, 1), 5.5, 5.4), { verdict: 'holds', basis: 'analytic' });
  assert.deepEqual(judgeBound(estimate(5, 1), 5.5, 5.6), { verdict: 'exceeded', basis: 'analytic' });
  // An interval that contains the exact value and lies wholly below or above the bound decides by itself.
  assert.deepEqual(judgeBound(estimate(3, 1), 5, 3.5), { verdict: 'holds', basis: 'empirical' });
  assert.deepEqual(judgeBound(estimate(10, 1), 5, 9.5), { verdict: 'exceeded', basis: 'empirical' });
  assert.equal(judgeBound(estimate(5, 1), Infinity, 5).verdict, 'holds');
});

test('a measurement that contradicts the exact value is a disagreement, never a pass (the reported case)', () => {
  // Lemma 4.3, d=1000, n=128, s=500, drift on the 5% smallest |w⁰|: the interval lay wholly above the bound
  // and was reported "holds (exact)" before.
  const reported = { ...estimate(55127.25, 39713.08), ciLow: 15414.17, ciHigh: 94840.34 };
  assert.deepEqual(judgeBound(reported, 5406.85, 5404.64), { verdict: 'disagreement', basis: 'empirical' });
  assert.deepEqual(judgeBound(estimate(50, 10), 10, 9), { verdict: 'disagreement', basis: 'empirical' });
  // Below the exact value too, and also when the exact value exceeds the bound.
  assert.deepEqual(judgeBound(estimate(1, 0.5), 10, 12), { verdict: 'disagreement', basis: 'empirical' });
  assert.ok(isDisagreement('disagreement') && !isViolation('disagreement'));
  // Rounding slack: an error that is exactly 0, computed as −1e−19, agrees with 0.
  assert.equal(judgeBound({ ...estimate(0, 0), ciLow: -1e-19, ciHigh: -1e-19 }, 1, 0).verdict, 'holds');
});

test('equality verdicts, with the exact value checked first', () => {
  assert.equal(judgeEquality(estimate(5, 1), 5.9), 'equality within CI');
  assert.equal(judgeEquality(estimate(5, 1), 6.1), 'equality rejected');
  assert.equal(judgeEqualityWithExact(estimate(5, 1), 5.9, 5.2, 5), 'equality within CI');
  assert.equal(judgeEqualityWithExact(estimate(5, 1), 7, 5.2, 5), 'equality rejected');
  assert.equal(judgeEqualityWithExact(estimate(5, 1), 5.2, 7, 5), 'disagreement');
  assert.equal(judgeRounding(1e-15), 'equal to rounding');
  assert.equal(judgeRounding(1e-3), 'not equal');
  assert.ok(isViolation('exceeded') && isViolation('equality rejected') && !isViolation('holds'));
});
