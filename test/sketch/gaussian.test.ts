import { test } from 'node:test';
import assert from 'node:assert/strict';
import { manualSeed, randn, stack, tidy } from '../../src/torch/index.js';
import {
  chiRowNormMean, driftedWeights, expectedSketchError, gaussianData, gaussianExpectedErrorEq2,
  gaussianExpectedErrorUniform, gaussianWeights, eq2Probabilities, meanWithCI, theorem44Bound,
  theorem44CorrectedBound, uniformProbabilities,
} from '../../src/sketch/index.js';

test('E‖X₍ₖ₎‖ for N(0,1/n) rows: closed values and Monte Carlo', () => tidy(() => {
  assert.ok(Math.abs(chiRowNormMean(1) - Math.sqrt(2 / Math.PI)) < 1e-15);
  assert.ok(Math.abs(chiRowNormMean(2) - Math.sqrt(Math.PI) / 2) < 1e-15); // √(2/2)·Γ(3/2)/Γ(1)
  assert.ok(Math.abs(chiRowNormMean(3) - Math.sqrt(2 / 3) * 2 / Math.sqrt(Math.PI)) < 1e-15);
  assert.ok(chiRowNormMean(128) < 1 && chiRowNormMean(128) > 0.998);
  manualSeed(51);
  const norms = meanWithCI(gaussianData(20000, 5).norm(2, 1).toArray(), 4);
  assert.ok(norms.ciLow <= chiRowNormMean(5) && chiRowNormMean(5) <= norms.ciHigh);
}));

/** E_X of the exact E_m, by Monte Carlo over X. */
function overData(d: number, n: number, s: number, w0: ReturnType<typeof gaussianWeights>,
  wStar: ReturnType<typeof gaussianWeights>, uniform: boolean, reps: number) {
  const values: number[] = [];
  for (let r = 0; r < reps; r++) {
    tidy(() => {
      const X = gaussianData(d, n);
      const p = uniform ? uniformProbabilities(d) : eq2Probabilities(X, w0);
      values.push(expectedSketchError(X, wStar, p, s).expected);
    });
  }
  return meanWithCI(values, 4);
}

test('closed-form E_X E_m for Eq. (2) and uniform masks agree with Monte Carlo over X', () => tidy(() => {
  manualSeed(52);
  const [d, n, s] = [40, 6, 5];
  const w0 = gaussianWeights(d);
  const sparse = gaussianWeights(d, 10);
  for (const [base, wStar] of [
    [w0, w0], [w0, driftedWeights(w0, { kind: 'smallest', relativeSize: 0.5 })],
    [sparse, driftedWeights(sparse, { kind: 'dense', relativeSize: 0.3 })], // w⁰ with zeros: bias term
  ] as const) {
    const closed = gaussianExpectedErrorEq2(base, wStar, s, n);
    const measured = overData(d, n, s, base, wStar, false, 1500);
    assert.ok(closed.expected >= measured.ciLow && closed.expected <= measured.ciHigh,
      `Eq. 2: ${closed.expected} vs [${measured.ciLow}, ${measured.ciHigh}]`);
    const uniform = gaussianExpectedErrorUniform(wStar, s);
    const measuredUniform = overData(d, n, s, base, wStar, true, 800);
    assert.ok(uniform >= measuredUniform.ciLow && uniform <= measuredUniform.ciHigh,
      `uniform: ${uniform} vs [${measuredUniform.ciLow}, ${measuredUniform.ciHigh}]`);
  }
  const bias = gaussianExpectedErrorEq2(sparse, stack([sparse]).squeeze(0).add(1), s, n).bias;
  assert.ok(Math.abs(bias - (d - 10)) < 1e-9, 'bias = ‖w⋆ on zeros of w⁰‖² = d − 10 ones');
}));

test('w⋆ = w⁰: E_X E_m = (μ²/s)(‖w⁰‖₁² − ‖w⁰‖²); zero for a 1-sparse w⁰', () => tidy(() => {
  manualSeed(53);
  const w0 = randn([25], { dtype: 'float64' });
  const mu = chiRowNormMean(9);
  const l1 = w0.abs().sum().item();
  const l2 = w0.square().sum().item();
  const value = gaussianExpectedErrorEq2(w0, w0, 4, 9).expected;
  assert.ok(Math.abs(value - (mu * mu / 4) * (l1 * l1 - l2)) < 1e-10 * value);
  const single = gaussianWeights(25, 1);
  assert.ok(Math.abs(gaussianExpectedErrorEq2(single, single, 4, 9).expected) < 1e-12);
}));

test('the corrected Theorem 4.4 bound (min |w⁰_k|) is ≥ the exact value; the printed one need not be', () => tidy(() => {
  manualSeed(54);
  const w0 = gaussianWeights(200);
  let printedViolated = false;
  for (const kind of ['dense', 'smallest', 'largest'] as const) {
    for (const relativeSize of [0, 0.1, 0.5, 2]) {
      const wStar = driftedWeights(w0, { kind, relativeSize });
      const exact = gaussianExpectedErrorEq2(w0, wStar, 10, 128).expected;
      assert.ok(exact <= theorem44CorrectedBound(w0, wStar, 10));
      if (exact > theorem44Bound(w0, wStar, 10)) printedViolated = true;
    }
  }
  assert.ok(printedViolated, 'drift on small |w⁰| entries exceeds the printed bound');
}));
