import { test } from 'node:test';
import assert from 'node:assert/strict';
import { manualSeed, tensor, tidy, randn } from '../../src/torch/index.js';
import {
  eq2Probabilities, expectedSketchError, maskedFeatureError, sketchErrorVariance, lemma41,
} from '../../src/sketch/index.js';

const f64 = (values: number[]) => tensor(values, undefined, { dtype: 'float64' });

/** Every ordered sequence of s draws with its probability: the exact distribution of Algorithm 1's mask. */
function enumerate(p: number[], s: number, visit: (mask: number[], probability: number) => void): void {
  const d = p.length;
  const walk = (depth: number, counts: number[], probability: number) => {
    if (probability === 0) return;
    if (depth === s) { visit(counts.map((count, i) => (count ? count / (s * p[i]) : 0)), probability); return; }
    for (let i = 0; i < d; i++) { counts[i]++; walk(depth + 1, counts, probability * p[i]); counts[i]--; }
  };
  walk(0, new Array(d).fill(0), 1);
}

/** Brute-force ‖Xᵀw − Xᵀ(w⊙m)‖² in plain JS (X given as rows). */
function error(X: number[][], w: number[], m: number[]): number {
  const n = X[0].length;
  let total = 0;
  for (let j = 0; j < n; j++) {
    let residual = 0;
    for (let k = 0; k < X.length; k++) residual += X[k][j] * w[k] * (1 - m[k]);
    total += residual ** 2;
  }
  return total;
}

test('exact expected error and its variance equal brute-force enumeration of all draw sequences', () => tidy(() => {
  manualSeed(21);
  for (const [d, n, s] of [[3, 2, 1], [3, 4, 3], [4, 3, 4], [5, 2, 3]]) {
    const X = randn([d, n], { dtype: 'float64' });
    const rows = Array.from({ length: d }, (_, k) => X.select(0, k).toArray());
    const w = randn([d], { dtype: 'float64' });
    const wArray = w.toArray();
    for (const p of [randn([d], { dtype: 'float64' }).abs(), eq2Probabilities(X, w)]) {
      const pArray = p.div(p.sum()).toArray();
      let first = 0;
      let second = 0;
      enumerate(pArray, s, (mask, probability) => {
        const e = error(rows, wArray, mask);
        first += probability * e;
        second += probability * e * e;
      });
      const exact = expectedSketchError(X, w, p, s);
      assert.ok(Math.abs(exact.expected - first) <= 1e-10 * first, `d=${d} s=${s}: ${exact.expected} vs ${first}`);
      assert.equal(exact.bias, 0);
      const variance = sketchErrorVariance(X, w, p, s);
      const bruteVariance = second - first * first;
      assert.ok(Math.abs(variance - bruteVariance) <= 1e-8 * second, `variance ${variance} vs ${bruteVariance}`);
    }
  }
}));

test('p_k = 0 with w_k ≠ 0: the error is finite (bias + variance), not the formula\'s +∞; it matches enumeration', () => tidy(() => {
  manualSeed(22);
  const X = randn([4, 3], { dtype: 'float64' });
  const rows = Array.from({ length: 4 }, (_, k) => X.select(0, k).toArray());
  const w = f64([0.7, -1.2, 0.4, 2]);
  const pArray = [0.5, 0, 0.25, 0.25];
  for (const s of [1, 2, 4]) {
    let first = 0;
    let second = 0;
    enumerate(pArray, s, (mask, probability) => {
      const e = error(rows, w.toArray(), mask);
      first += probability * e;
      second += probability * e * e;
    });
    const exact = expectedSketchError(X, w, f64(pArray), s);
    assert.equal(exact.uncoveredIndices, 1);
    // The bias is ‖Xᵀw_{S^c}‖² = ‖X₍₁₎‖²w₁², and it does not shrink with s.
    const biasExpected = rows[1].reduce((total, x) => total + (x * 1.2) ** 2, 0);
    assert.ok(Math.abs(exact.bias - biasExpected) < 1e-12 * biasExpected);
    assert.ok(Number.isFinite(exact.expected));
    assert.ok(Math.abs(exact.expected - first) <= 1e-10 * first, `s=${s}: ${exact.expected} vs ${first}`);
    const variance = sketchErrorVariance(X, w, f64(pArray), s);
    assert.ok(Math.abs(variance - (second - first * first)) <= 1e-8 * second);
  }
  // A zero-probability index whose weight is zero adds nothing.
  const covered = expectedSketchError(X, f64([0.7, 0, 0.4, 2]), f64(pArray), 2);
  assert.equal(covered.bias, 0);
  assert.equal(covered.uncoveredIndices, 0);
}));

test('with full support the exact error is (1/s)Σ‖X₍ₖ₎‖²w_k²/p_k − (1/s)‖Xᵀw‖², and with p⁰ it is Lemma 4.1', () => tidy(() => {
  manualSeed(23);
  const X = randn([30, 8], { dtype: 'float64' });
  const w = randn([30], { dtype: 'float64' });
  const p = randn([30], { dtype: 'float64' }).abs();
  const pn = p.div(p.sum());
  const s = 7;
  const formula = (X.square().sum(1).mul(w.square()).div(pn).sum().item() - w.unsqueeze(0).mm(X).square().sum().item()) / s;
  const exact = expectedSketchError(X, w, p, s).expected;
  assert.ok(Math.abs(exact - formula) < 1e-10 * formula);
  const optimal = expectedSketchError(X, w, eq2Probabilities(X, w), s).expected;
  assert.ok(Math.abs(optimal - lemma41(X, w, s)) < 1e-10 * optimal);
  assert.ok(optimal <= exact, 'Eq. (2) minimizes the expected error');
}));

test('maskedFeatureError matches a direct computation, for one mask and a batch', () => tidy(() => {
  manualSeed(24);
  const X = randn([6, 5], { dtype: 'float64' });
  const w = randn([6], { dtype: 'float64' });
  const masks = randn([3, 6], { dtype: 'float64' });
  const rows = Array.from({ length: 6 }, (_, k) => X.select(0, k).toArray());
  const batch = maskedFeatureError(X, w, masks);
  for (let r = 0; r < 3; r++) {
    const direct = error(rows, w.toArray(), masks.select(0, r).toArray());
    assert.ok(Math.abs(batch[r] - direct) < 1e-12 * direct);
    assert.ok(Math.abs(maskedFeatureError(X, w, masks.select(0, r))[0] - direct) < 1e-12 * direct);
  }
  assert.throws(() => maskedFeatureError(X, w, randn([5])), /mask must have shape \[6\] or \[R, 6\]/);
  assert.throws(() => expectedSketchError(X, w, f64([1, 1, 1]), 2), /p has length 3 but d is 6/);
  assert.throws(() => expectedSketchError(X, w, randn([6]).abs(), 0), /positive integer, got 0/);
}));
