import { test } from 'node:test';
import assert from 'node:assert/strict';
import { manualSeed, ones, tensor, tidy } from '../../src/torch/index.js';
import {
  eq2Probabilities, expectedSketchError, gaussianData, gaussianWeights, lemma41, lemma41AsPrinted, lemma42Bound,
  lemma43Bound, lemma45Bound, lemma45BoundSecondForm, theorem44Bound, theorem44CorrectedBound, driftedWeights,
} from '../../src/sketch/index.js';

const f64 = (values: number[] | number[][]) => tensor(values as number[][], undefined, { dtype: 'float64' });

test('the printed right-hand sides on hand-computed examples', () => tidy(() => {
  const X = f64([[3, 4], [0, 2]]); // row norms 5, 2
  const w0 = f64([1, -2]); // Σ‖X₍ₖ₎‖|w_k| = 9; Xᵀw = [3, 0] → ‖Xᵀw‖ = 3
  const s = 3;
  assert.ok(Math.abs(lemma41(X, w0, s) - (81 - 9) / 3) < 1e-12);
  assert.ok(Math.abs(lemma41AsPrinted(X, w0, s) - (81 - 3) / 3) < 1e-12);
  assert.ok(Math.abs(lemma42Bound(w0, s) - 5 / 3) < 1e-15);
  const wStar = f64([2, 1]); // δ = [1, 3]: ‖δ‖² = 10, ‖δ‖₁ = 4; ‖w0‖₁ = 3, ‖w0‖_∞ = 2
  assert.ok(Math.abs(theorem44Bound(w0, wStar, s) - 3 * (10 / 2 + 8 + 3) / 3) < 1e-12);
  // The corrected form divides by min_k|w0_k| = 1, and is +∞ for a w0 with a zero.
  assert.ok(Math.abs(theorem44CorrectedBound(w0, wStar, s) - 3 * (10 / 1 + 8 + 3) / 3) < 1e-12);
  assert.equal(theorem44CorrectedBound(f64([0, -2]), wStar, s), Infinity);
  assert.ok(Math.abs(lemma45Bound(wStar, s) - (2 / 3) * 5) < 1e-12);
  // Lemma 4.3 with X̃ = X: (1/s)Σ_k 9/(‖X₍ₖ₎‖|w_k|)·‖X₍ₖ₎‖²(w⋆_k)² = (1/3)(9/5·25·4 + 9/4·4·1)
  assert.ok(Math.abs(lemma43Bound(X, X, w0, wStar, s) - (9 / 5 * 100 + 9) / 3) < 1e-12);
}));

test('Lemma 4.3 bound ≥ exact error, with equality gap (1/s)‖Xᵀw⋆‖² when X̃ = X', () => tidy(() => {
  manualSeed(41);
  const X = gaussianData(80, 12);
  const Xtilde = gaussianData(80, 12);
  const w0 = gaussianWeights(80);
  for (const relativeSize of [0, 0.3, 2]) {
    const wStar = driftedWeights(w0, { kind: 'dense', relativeSize });
    for (const data of [X, Xtilde]) {
      const exact = expectedSketchError(X, wStar, eq2Probabilities(data, w0), 9).expected;
      const bound = lemma43Bound(X, data, w0, wStar, 9);
      assert.ok(exact <= bound);
      if (data === X) {
        const gap = wStar.unsqueeze(0).mm(X).square().sum().item() / 9;
        assert.ok(Math.abs(bound - exact - gap) < 1e-9 * bound);
      }
    }
  }
  // Zero score in X̃ where w⋆ needs the index: infinite bound.
  const w0Zero = f64([1, 0, 1]);
  assert.equal(lemma43Bound(gaussianData(3, 2), ones([3, 2], { dtype: 'float64' }), w0Zero, f64([1, 1, 1]), 2), Infinity);
  assert.ok(Number.isFinite(lemma43Bound(gaussianData(3, 2), ones([3, 2], { dtype: 'float64' }), w0Zero, f64([1, 0, 1]), 2)));
}));

test('Lemma 4.5\'s two printed forms are the same number', () => tidy(() => {
  manualSeed(42);
  const w0 = gaussianWeights(30);
  const wStar = driftedWeights(w0, { kind: 'smallest', relativeSize: 0.7 });
  const first = lemma45Bound(wStar, 4);
  assert.ok(Math.abs(lemma45BoundSecondForm(w0, wStar, 4) - first) < 1e-12 * first);
  assert.throws(() => theorem44Bound(w0, gaussianWeights(3), 4), /wStar has length 3 but d \(the length of w⁰\) is 30/);
}));
