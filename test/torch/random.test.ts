// Random draws: seeding reproduces them, generator state restores them, and their frequencies follow the law
// they claim (statistical bounds with stated false-alarm rates; the seeds are fixed, so runs are repeatable).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as T from '../../src/torch/index.js';

const { F } = T;

/** Every kind of draw the engine offers, concatenated (values as numbers). */
function drawEverything(): number[] {
  return T.tidy(() => [
    ...T.randn([5]).toArray(),
    ...T.rand([5]).toArray(),
    ...T.randint(0, 100, [5]).toArray(),
    ...T.randperm(8).toArray(),
    ...T.tensor([0.1, 0.5, 0.4]).multinomial(4, true).toArray(),
    ...T.tensor([0.1, 0.5, 0.4]).multinomial(2, false).toArray(),
    ...T.empty([4]).normal_(3, 2).toArray(),
    ...T.empty([4]).uniform_(-1, 1).toArray(),
    ...F.dropout(T.ones([8]), 0.5, true).toArray(),
    ...T.randnLike(T.zeros([3])).toArray(),
  ]);
}

test('manualSeed makes every kind of draw reproducible, and other seeds give other draws', () => {
  T.manualSeed(1234);
  const first = drawEverything();
  T.manualSeed(1234);
  const second = drawEverything();
  assert.deepEqual(second, first);
  T.manualSeed(1235);
  const other = drawEverything();
  assert.notDeepEqual(other.slice(0, 5), first.slice(0, 5));
});

test('setRngState restores the generator: the same draws follow, even after other draws in between', () => {
  T.manualSeed(99);
  T.tidy(() => T.randn([17]));
  const state = T.getRngState();
  assert.equal(state.dtype, 'uint8');
  const expected = drawEverything();
  T.tidy(() => T.randn([1000]));
  T.manualSeed(5);
  T.setRngState(state);
  assert.deepEqual(drawEverything(), expected);
  // A state saved to disk format and read back works the same (checkpoints store it this way).
  const copy = T.decodeSafetensors(T.encodeSafetensors({ state })).tensors.state;
  T.setRngState(copy);
  assert.deepEqual(drawEverything(), expected);
  T.dispose([state, copy]);
});

test('randperm is a permutation; rand lies in [0, 1); randint in [low, high)', () => {
  T.manualSeed(3);
  T.tidy(() => {
    assert.deepEqual(T.randperm(50).toArray().sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i));
    const uniform = T.rand([10000]).toArray();
    assert.ok(uniform.every((u) => u >= 0 && u < 1));
    const integers = T.randint(-3, 4, [10000]).toArray();
    assert.ok(integers.every((k) => Number.isInteger(k) && k >= -3 && k < 4));
    assert.equal(new Set(integers).size, 7, 'every value of a 7-value range appears in 10000 draws');
  });
});

test('randn has mean 0 and variance 1 within 5 standard errors (false alarm < 1e-6)', () => {
  T.manualSeed(11);
  T.tidy(() => {
    const n = 100000;
    const x = T.randn([n], { dtype: 'float64' });
    const mean = x.mean().item();
    const variance = x.var().item();
    assert.ok(Math.abs(mean) < 5 / Math.sqrt(n), `mean ${mean}`);
    assert.ok(Math.abs(variance - 1) < 5 * Math.sqrt(2 / n), `variance ${variance}`); // Var(s²) ≈ 2/n for a normal
  });
});

test('multinomial with replacement: category frequencies match p (each within 4.5σ; false alarm < 3e-5)', () => {
  T.manualSeed(21);
  T.tidy(() => {
    const p = [0.05, 0.15, 0.3, 0.5];
    const draws = 200000;
    // Unnormalized weights are allowed: multinomial normalizes rows.
    const counts = T.tensor(p.map((q) => q * 7)).multinomial(draws, true).bincount(null, 4).toArray();
    p.forEach((q, i) => {
      const sigma = Math.sqrt(draws * q * (1 - q));
      assert.ok(Math.abs(counts[i] - draws * q) < 4.5 * sigma, `category ${i}: ${counts[i]} vs ${draws * q} ± ${sigma}`);
    });
    // A zero-probability category is never drawn.
    const withZero = T.tensor([0.5, 0, 0.5]).multinomial(10000, true).bincount(null, 3).toArray();
    assert.equal(withZero[1], 0);
  });
});

test('multinomial without replacement: no repeats, and ordered pairs follow p_i·p_j/(1−p_i) (4.5σ per pair)', () => {
  T.manualSeed(22);
  T.tidy(() => {
    const p = [0.1, 0.2, 0.3, 0.4];
    const rows = 40000;
    const samples = T.tensor(p).reshape([1, 4]).expand([rows, 4]).contiguous().multinomial(2, false).toArray();
    const pairs = new Array(16).fill(0);
    for (let r = 0; r < rows; r++) {
      const [first, second] = [samples[2 * r], samples[2 * r + 1]];
      assert.notEqual(first, second, `row ${r} repeats category ${first}`);
      pairs[first * 4 + second] += 1;
    }
    for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) {
      if (i === j) continue;
      const probability = (p[i] * p[j]) / (1 - p[i]);
      const sigma = Math.sqrt(rows * probability * (1 - probability));
      const observed = pairs[i * 4 + j];
      assert.ok(Math.abs(observed - rows * probability) < 4.5 * sigma,
        `pair (${i}, ${j}): ${observed} vs ${rows * probability} ± ${sigma}`);
    }
    // Drawing all categories without replacement gives a permutation in every row.
    const full = T.tensor(p).multinomial(4, false).toArray();
    assert.deepEqual([...full].sort(), [0, 1, 2, 3]);
  });
});

test('dropout keeps about 1−p of the elements and scales them by 1/(1−p); eval mode is the identity', () => {
  T.manualSeed(23);
  T.tidy(() => {
    const n = 100000;
    const p = 0.3;
    const out = F.dropout(T.ones([n], { dtype: 'float64' }), p, true);
    const kept = out.ne(0).sum().item();
    assert.ok(Math.abs(kept - n * (1 - p)) < 4.5 * Math.sqrt(n * p * (1 - p)), `kept ${kept}`);
    const nonzero = out.maskedSelect(out.ne(0)).toArray();
    assert.ok(nonzero.every((value) => Math.abs(value - 1 / (1 - p)) < 1e-12));
    assert.deepEqual(F.dropout(T.arange(5, undefined, 1, { dtype: 'float64' }), p, false).toArray(), [0, 1, 2, 3, 4]);
  });
});
