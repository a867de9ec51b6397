import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isViolation, judgeBound, judgeEquality, judgeRounding, meanWithCI } from '../../src/sketch/index.js';

const estimate = (mean: number, halfWidth: number) => ({ ...meanWithCI([0, 1], 1), mean, ciLow: mean - halfWidth, ciHigh: mean + halfWidth });

test('bound verdicts: interval above → exceeded, below → holds, straddling → decided by the exact value', () => {
  assert.deepEqual(judgeBound(estimate(10, 1), 5, null), { verdict: 'exceeded', basis: 'monte-carlo' });
  assert.deepEqual(judgeBound(estimate(3, 1), 5, null), { verdict: 'holds', basis: 'monte-carlo' });
  assert.deepEqual(judgeBound(estimate(5, 1), 5.5, null), { verdict: 'inconclusive', basis: 'monte-carlo' });
  assert.deepEqual(judgeBound(estimate(5, 1), 5.5, 5.4), { verdict: 'holds', basis: 'exact' });
  assert.deepEqual(judgeBound(estimate(5, 1), 5.5, 5.6), { verdict: 'exceeded', basis: 'exact' });
  assert.equal(judgeBound(estimate(5, 1), Infinity, 5).verdict, 'holds');
  // A Monte Carlo mean that missed the exact value (heavy tails) does not decide: the exact value does.
  assert.deepEqual(judgeBound(estimate(50, 10), 10, 9), { verdict: 'holds', basis: 'exact' });
  assert.deepEqual(judgeBound(estimate(1, 0.5), 10, 12), { verdict: 'exceeded', basis: 'exact' });
});

test('equality verdicts and violations', () => {
  assert.equal(judgeEquality(estimate(5, 1), 5.9), 'equality within CI');
  assert.equal(judgeEquality(estimate(5, 1), 6.1), 'equality rejected');
  assert.equal(judgeRounding(1e-15), 'equal to rounding');
  assert.equal(judgeRounding(1e-3), 'not equal');
  assert.ok(isViolation('exceeded') && isViolation('equality rejected') && !isViolation('holds'));
});
