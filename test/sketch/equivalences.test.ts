import { test } from 'node:test';
import assert from 'node:assert/strict';
import { manualSeed, ones, randn, tensor, tidy } from '../../src/torch/index.js';
import {
  compareDistributions, eq2Probabilities, eq2Scores, gaussianData, gaussianWeights, rowNorms, snipL1Saliency,
  snipL1SaliencyClosedForm, sparseRowData, synflowLinearScores,
} from '../../src/sketch/index.js';

const f64 = (values: number[] | number[][]) => tensor(values as number[][], undefined, { dtype: 'float64' });

test('SynFlow (autograd) on f(x) = |w|ᵀx with input ‖X₍ᵢ₎‖ scores exactly ‖X₍ᵢ₎‖|w_i|', () => tidy(() => {
  const X = f64([[3, 4], [1, 0], [0, 2]]);
  const w = f64([-2, 0.5, 3]);
  assert.deepEqual(synflowLinearScores(rowNorms(X), w).toArray(), [10, 0.5, 6]);
  manualSeed(61);
  const big = gaussianData(500, 128);
  const weights = gaussianWeights(500);
  const scores = synflowLinearScores(rowNorms(big), weights);
  const target = eq2Scores(big, weights);
  assert.ok(scores.sub(target).abs().max().item() <= 1e-14 * target.max().item());
  const comparison = compareDistributions(scores, eq2Probabilities(big, weights));
  assert.ok(comparison.maxAbsDifference < 1e-15 && comparison.totalVariation < 1e-13);
  assert.ok(Math.abs(comparison.correlation - 1) < 1e-12);
  // The original SynFlow input (all ones) scores |w|, which differs from Eq. (2) when row norms differ.
  const original = synflowLinearScores(ones([500], { dtype: 'float64' }), weights);
  assert.ok(original.sub(weights.abs()).abs().max().item() < 1e-15 * weights.abs().max().item());
  assert.ok(compareDistributions(original, target).totalVariation > 0.01);
}));

test('SNIP ℓ1 saliency via autograd equals the closed form (1/n)|w_j||Σ_i sign(x_iᵀw − y_i)x_ij|', () => tidy(() => {
  // Hand example: X (d=2, n=2) columns x_1 = [1, 2], x_2 = [3, -1]; w = [1, 1]; y = [0, 5].
  // residuals: 3 − 0 > 0, 2 − 5 < 0 → signs [1, −1]; Σ_i sign·x_ij = [1 − 3, 2 + 1] = [−2, 3]; ×|w_j|/n.
  const X = f64([[1, 3], [2, -1]]);
  const w = f64([1, 1]);
  const y = f64([0, 5]);
  assert.deepEqual(snipL1Saliency(X, w, y).toArray(), [1, 1.5]);
  manualSeed(62);
  for (const data of [gaussianData(300, 20), sparseRowData(300, 20)]) {
    const weights = gaussianWeights(300);
    const labels = randn([20], { dtype: 'float64' });
    const autograd = snipL1Saliency(data, weights, labels);
    const closed = snipL1SaliencyClosedForm(data, weights, labels);
    assert.ok(autograd.sub(closed).abs().max().item() <= 1e-14 * closed.max().item());
  }
}));

test('sparse data (one non-zero per row): normalized SNIP saliency equals Eq. (2); dense data: it does not', () => tidy(() => {
  manualSeed(63);
  const X = sparseRowData(400, 32);
  assert.ok(X.ne(0).sum(1).eq(1).all().item(), 'each row has exactly one non-zero');
  const w = gaussianWeights(400);
  const y = randn([32], { dtype: 'float64' });
  const sparse = compareDistributions(snipL1Saliency(X, w, y), eq2Scores(X, w));
  assert.ok(sparse.maxRelativeDifference < 1e-13, `sparse: ${sparse.maxRelativeDifference}`);
  const dense = gaussianData(400, 32);
  const comparison = compareDistributions(snipL1Saliency(dense, w, y), eq2Scores(dense, w));
  assert.ok(comparison.totalVariation > 0.05, `dense TV ${comparison.totalVariation}`);
}));

test('bad arguments are named', () => tidy(() => {
  assert.throws(() => synflowLinearScores(f64([1, 2]), f64([1, 2, 3])), /w has length 3 but the length of input is 2/);
  assert.throws(() => snipL1Saliency(f64([[1, 2]]), f64([1]), f64([1, 2, 3])), /y has length 3 but n \(the number of columns of X\) is 2/);
  assert.throws(() => sparseRowData(0, 3), /d must be a positive integer, got 0/);
  assert.throws(() => compareDistributions(f64([1, -1]), f64([1, 1])), /a must be non-negative scores/);
}));
