import { test } from 'node:test';
import assert from 'node:assert/strict';
import { manualSeed, tensor, tidy, randn, zeros } from '../../src/torch/index.js';
import {
  eq2Probabilities, eq2Scores, probabilitiesFromScores, rowNorms, uniformProbabilities,
} from '../../src/sketch/index.js';

const f64 = (values: number[] | number[][]) => tensor(values as number[][], undefined, { dtype: 'float64' });

test('Eq. (2): p_i = ‖X₍ᵢ₎‖|w_i| / Σ_j ‖X₍ⱼ₎‖|w_j| (hand-computed)', () => tidy(() => {
  const X = f64([[3, 4], [1, 0], [0, 0], [6, 8]]); // row norms 5, 1, 0, 10
  const w = f64([1, -2, 7, -0.5]); // scores 5, 2, 0, 5 → sum 12
  assert.deepEqual(rowNorms(X).toArray(), [5, 1, 0, 10]);
  assert.deepEqual(eq2Scores(X, w).toArray(), [5, 2, 0, 5]);
  const p = eq2Probabilities(X, w).toArray();
  [5 / 12, 2 / 12, 0, 5 / 12].forEach((expected, i) => assert.ok(Math.abs(p[i] - expected) < 1e-15));
}));

test('probabilities are float64 and sum to 1 (Eq. 2, uniform, scores; float32 inputs too)', () => tidy(() => {
  manualSeed(3);
  const X = randn([500, 16]);
  const w = randn([500]);
  for (const p of [eq2Probabilities(X, w), uniformProbabilities(500), probabilitiesFromScores(randn([500]).abs())]) {
    assert.equal(p.dtype, 'float64');
    assert.ok(Math.abs(p.sum().item() - 1) < 1e-12);
    assert.ok(p.ge(0).all().item());
  }
  assert.equal(uniformProbabilities(4).toArray()[2], 0.25);
}));

test('bad arguments give clear errors', () => tidy(() => {
  const X = f64([[1, 2], [3, 4], [5, 6]]);
  assert.throws(() => eq2Probabilities(X, f64([1, 2])), /w has length 2 but d \(the number of rows of X\) is 3/);
  assert.throws(() => eq2Probabilities(f64([1, 2, 3]), f64([1, 2, 3])), /X must be a 2-D tensor \(d×n\), got shape \[3\]/);
  assert.throws(() => eq2Probabilities(X, f64([1, Number.NaN, 2])), /w must be finite, but w\[1\] = NaN/);
  assert.throws(() => eq2Probabilities(X, f64([0, 0, 0])), /Eq\. \(2\) probabilities are undefined/);
  assert.throws(() => eq2Probabilities(zeros([3, 2], { dtype: 'float64' }), f64([1, 1, 1])), /undefined/);
  assert.throws(() => probabilitiesFromScores(f64([1, -1])), /scores must be non-negative, but scores\[1\] = -1/);
  assert.throws(() => probabilitiesFromScores(f64([0, 0])), /positive total mass/);
  assert.throws(() => uniformProbabilities(0), /d must be a positive integer, got 0/);
  assert.throws(() => rowNorms(zeros([0, 3])), /X is empty/);
}));
