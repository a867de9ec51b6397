import { test } from 'node:test';
import assert from 'node:assert/strict';
import { manualSeed, tidy, randn } from '../../src/torch/index.js';
import {
  eq2Probabilities, expectedSketchError, gaussianData, gaussianWeights, lemma41, monteCarloSketchError,
  sketchErrorVariance, uniformProbabilities,
} from '../../src/sketch/index.js';

test('Monte Carlo mean agrees with the exact formula within its sample-sd interval (fixed seed)', () => tidy(() => {
  manualSeed(31);
  const X = gaussianData(100, 16);
  const w = gaussianWeights(100);
  for (const [p, s] of [[eq2Probabilities(X, w), 10], [uniformProbabilities(100), 25], [randn([100]).abs().add(0.5), 40]] as const) {
    const estimate = monteCarloSketchError(X, w, p, s, { reps: 4000, z: 3.5 });
    const exact = expectedSketchError(X, w, p, s).expected;
    assert.ok(exact >= estimate.ciLow && exact <= estimate.ciHigh,
      `exact ${exact} outside [${estimate.ciLow}, ${estimate.ciHigh}] (s=${s})`);
    // The interval is informative: narrower than 10% of the value.
    assert.ok(estimate.ciHigh - estimate.ciLow < 0.2 * exact, `width ${estimate.ciHigh - estimate.ciLow} vs ${exact} (s=${s})`);
    // Light-tailed case: the sample sd estimates the exact sd well.
    assert.ok(Math.abs(estimate.sampleSd / estimate.exactSd - 1) < 0.1, `sd ${estimate.sampleSd} vs ${estimate.exactSd}`);
    assert.equal(estimate.reps, 4000);
    assert.ok(estimate.meanKeepCount <= s);
  }
}));

test('Lemma 4.1 equality by Monte Carlo: E_m error with p⁰ equals (1/s)(Σ‖X₍ₖ₎‖|w_k|)² − (1/s)‖Xᵀw‖²', () => tidy(() => {
  manualSeed(32);
  const X = gaussianData(300, 32);
  const w = gaussianWeights(300);
  const s = 30;
  const estimate = monteCarloSketchError(X, w, eq2Probabilities(X, w), s, { reps: 3000, z: 3.5 });
  const predicted = lemma41(X, w, s);
  assert.ok(predicted >= estimate.ciLow && predicted <= estimate.ciHigh, `${predicted} vs [${estimate.ciLow}, ${estimate.ciHigh}]`);
}));

test('interval "exact" uses the exact per-mask sd; chunking does not change the estimate', () => tidy(() => {
  manualSeed(33);
  const X = gaussianData(50, 8);
  const w = gaussianWeights(50);
  const p = eq2Probabilities(X, w);
  const exactSd = Math.sqrt(sketchErrorVariance(X, w, p, 5));
  manualSeed(7);
  const whole = monteCarloSketchError(X, w, p, 5, { reps: 200, interval: 'exact', z: 2 });
  manualSeed(7);
  const chunked = monteCarloSketchError(X, w, p, 5, { reps: 200, interval: 'exact', z: 2, chunkElements: 50 * 7 });
  assert.ok(Math.abs(whole.sd - exactSd) < 1e-12 * exactSd);
  assert.ok(Math.abs(whole.ciHigh - whole.mean - 2 * exactSd / Math.sqrt(200)) < 1e-9 * exactSd);
  assert.equal(whole.interval, 'exact');
  assert.ok(Math.abs(whole.mean - chunked.mean) < 1e-9 * whole.mean);
  assert.throws(() => monteCarloSketchError(X, w, p, 5, { reps: 1 }), /reps must be an integer ≥ 2, got 1/);
  assert.throws(() => monteCarloSketchError(X, w, p, 5, { interval: 'wide' as never }), /interval must be 'sample' or 'exact'/);
}));
