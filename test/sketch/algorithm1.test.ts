import { test } from 'node:test';
import assert from 'node:assert/strict';
import { manualSeed, tensor, tidy, randn } from '../../src/torch/index.js';
import {
  drawSketchIndices, maskFromDraws, sketchMask, sketchMaskRows, sketchMasks, bonferroniZ,
} from '../../src/sketch/index.js';

const f64 = (values: number[]) => tensor(values, undefined, { dtype: 'float64' });

test('E[m_i] = 1 for every i with p_i > 0 (Monte Carlo, Bonferroni 99.9% intervals)', () => tidy(() => {
  manualSeed(11);
  const p = f64([0.5, 0.2, 0.15, 0.1, 0.04, 0.01]);
  const reps = 40000;
  const masks = sketchMasks(p, 7, reps);
  const means = masks.mean(0).toArray();
  const sds = masks.std(0).toArray();
  const z = bonferroniZ(means.length, 0.001);
  means.forEach((mean, i) => {
    const se = sds[i] / Math.sqrt(reps);
    assert.ok(Math.abs(mean - 1) <= z * se, `E[m_${i}] estimate ${mean} ± ${z * se} excludes 1`);
  });
  // The exact per-entry variance (1−p_i)/(s p_i) matches the sample variance within 5%.
  sds.forEach((sd, i) => {
    const pi = p.toArray()[i];
    const exact = (1 - pi) / (7 * pi);
    assert.ok(Math.abs(sd ** 2 / exact - 1) < 0.05, `Var m_${i}: sample ${sd ** 2} vs exact ${exact}`);
  });
}));

test('rare indices are drawn at their rate (the heavy tail of the error comes from them)', () => tidy(() => {
  // p spans 1e-5 … 0.3 like Eq. (2) with a tiny |w⁰_k|: counts of the rare indices are Poisson(N·p_k).
  manualSeed(17);
  const p = f64([0.3, 0.3, 0.2, 0.1, 0.09, 5e-3, 4e-3, 9e-4, 9e-5, 1e-5].map((value, _i, all) => value / all.reduce((a, b) => a + b, 0)));
  const draws = 2_000_000;
  const counts = drawSketchIndices(p, draws).bincount(null, 10).toArray();
  const probabilities = p.toArray();
  const z = bonferroniZ(10, 0.001);
  counts.forEach((count, i) => {
    const expected = draws * probabilities[i];
    assert.ok(Math.abs(count - expected) <= z * Math.sqrt(expected), `index ${i}: ${count} draws, expected ${expected.toFixed(1)}`);
  });
}));

test('an index with p_i = 0 is never kept and the mask stays finite', () => tidy(() => {
  manualSeed(1);
  const masks = sketchMasks(f64([0.5, 0, 0.5]), 5, 2000);
  assert.equal(masks.select(1, 1).abs().sum().item(), 0);
  assert.ok(masks.isfinite().all().item());
}));

test('‖m‖₀ ≤ s and equals the number of distinct draws; m = counts/(s p)', () => tidy(() => {
  manualSeed(5);
  const p = randn([40], { dtype: 'float64' }).abs();
  const pn = p.div(p.sum()).toArray();
  for (const s of [1, 3, 20, 100]) {
    for (let trial = 0; trial < 20; trial++) {
      const indices = drawSketchIndices(p, s);
      const drawn = indices.toArray();
      const mask = maskFromDraws(indices, p, s);
      const nonzero = mask.countNonzero().item();
      assert.equal(nonzero, new Set(drawn).size);
      assert.ok(nonzero <= s);
      const values = mask.toArray();
      const counts = new Map<number, number>();
      for (const i of drawn) counts.set(i, (counts.get(i) ?? 0) + 1);
      values.forEach((value, i) => {
        const expected = (counts.get(i) ?? 0) / (s * pn[i]);
        assert.ok(Math.abs(value - expected) <= 1e-12 * Math.max(1, expected), `m_${i} = ${value}, expected ${expected}`);
      });
    }
    const { mask, keepCount, budget } = sketchMask(p, s);
    assert.equal(budget, s);
    assert.equal(keepCount, mask.countNonzero().item());
    assert.ok(keepCount <= s && keepCount >= 1);
  }
}));

test('keep-count can be below s: E‖m‖₀ = Σ_i 1 − (1 − p_i)^s', () => tidy(() => {
  manualSeed(9);
  const pArray = [0.6, 0.3, 0.1];
  const s = 4;
  const masks = sketchMasks(f64(pArray), s, 20000);
  const counts = masks.countNonzero(1).to('float64');
  const mean = counts.mean().item();
  const se = counts.std().item() / Math.sqrt(20000);
  const exact = pArray.reduce((total, pi) => total + 1 - (1 - pi) ** s, 0);
  assert.ok(Math.abs(mean - exact) <= 4 * se, `E‖m‖₀: ${mean} ± ${4 * se} vs ${exact}`);
  assert.ok(exact < s);
}));

test('p is normalized: weights and probabilities give the same mask values', () => tidy(() => {
  manualSeed(2);
  const indices = drawSketchIndices(f64([2, 6, 2]), 5);
  const fromWeights = maskFromDraws(indices, f64([2, 6, 2]), 5).toArray();
  const fromProbabilities = maskFromDraws(indices, f64([0.2, 0.6, 0.2]), 5).toArray();
  fromWeights.forEach((value, i) => assert.ok(Math.abs(value - fromProbabilities[i]) < 1e-12));
}));

test('sketchMaskRows draws each row from its own distribution (E[m] = 1 per row)', () => tidy(() => {
  manualSeed(4);
  const rows = 6000;
  const P = f64([0.7, 0.2, 0.1, 0, 0.1, 0.9]).reshape([2, 3]).repeat([rows, 1]); // two alternating rows
  const masks = sketchMaskRows(P, 3);
  assert.deepEqual(masks.shape, [2 * rows, 3]);
  const first = masks.slice(0, 0, null, 2);
  const second = masks.slice(0, 1, null, 2);
  const z = bonferroniZ(5, 0.001);
  for (const [block, support] of [[first, [0, 1, 2]], [second, [1, 2]]] as const) {
    for (const i of support) {
      const column = block.select(1, i);
      const se = column.std().item() / Math.sqrt(rows);
      assert.ok(Math.abs(column.mean().item() - 1) <= z * se, `row block column ${i}: ${column.mean().item()}`);
    }
  }
  assert.equal(second.select(1, 0).abs().sum().item(), 0);
}));

test('Algorithm 1 is practical at d = 10⁶ (vectorized; mask length d, keep-count ≤ s)', () => tidy(() => {
  manualSeed(0);
  const d = 1_000_000;
  const p = randn([d], { dtype: 'float64' }).abs();
  const { mask, keepCount } = sketchMask(p, 50_000);
  assert.equal(mask.size(0), d);
  assert.ok(keepCount <= 50_000 && keepCount > 45_000, `keepCount ${keepCount}`);
}));

test('bad arguments give errors that name the argument and value', () => tidy(() => {
  const p = f64([0.5, 0.5]);
  assert.throws(() => sketchMask(p, 0), /s \(the number of draws\) must be a positive integer, got 0/);
  assert.throws(() => sketchMask(p, -3), /positive integer, got -3/);
  assert.throws(() => sketchMask(p, 2.5), /positive integer, got 2\.5/);
  assert.throws(() => sketchMask(p, Number.NaN), /positive integer, got NaN/);
  assert.throws(() => sketchMask(p, '3' as unknown as number), /positive integer, got "3"/);
  assert.throws(() => sketchMask(f64([0.5, -0.1, 0.6]), 2), /p must be non-negative, but p\[1\] = -0\.1/);
  assert.throws(() => sketchMask(f64([0, 0, 0]), 2), /p must have positive total mass, but its entries sum to 0/);
  assert.throws(() => sketchMask(f64([0.5, Number.NaN]), 2), /p must be finite, but p\[1\] = NaN/);
  assert.throws(() => sketchMask(f64([0.5, Number.POSITIVE_INFINITY]), 2), /p must be finite, but p\[1\] = Infinity/);
  assert.throws(() => sketchMask(f64([0.5, 0.5]).reshape([1, 2]), 2), /p must be a 1-D tensor, got shape \[1,2\]/);
  assert.throws(() => sketchMask([0.5, 0.5] as unknown as never, 2), /p must be a Tensor/);
  assert.throws(() => sketchMasks(p, 2, 0), /count must be an integer ≥ 1, got 0/);
  const indices = tensor(new BigInt64Array([0n, 5n]));
  assert.throws(() => maskFromDraws(indices, p, 2), /indices must lie in \[0, 2\)/);
  assert.throws(() => maskFromDraws(tensor(new BigInt64Array([0n, 1n])), f64([1, 0]), 2), /p_i = 0/);
  assert.throws(() => maskFromDraws(tensor(new BigInt64Array([0n])), p, 2), /holds 1 draws but s is 2/);
}));
