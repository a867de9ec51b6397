// weightedSampleMasks (native/sampling.cc), the per-layer weighted sampling without replacement behind sketch-random.
// Law: inclusion frequencies (single entries and pairs) against the exact law of successive draws ∝ w, by brute
// force over all draw orders. Implementation: on large layers (sampled bracket) the masks equal the k smallest keys
// E/w recomputed here from the documented generator with BigInt and Math.log; exact counts, support respected,
// determinism (seed, thread count, libtorch's generator), the same masks from each scan of the code bytes (AVX-512,
// AVX2, portable); edge cases; bad input is an Error naming the problem.
import test, { describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as T from '../../src/torch/index.js';

const Z = 4; // binomial standard errors allowed per checked frequency (false failure about 6e-5 each)

/** Exact inclusion probabilities of single entries and of pairs for k successive draws ∝ w without replacement. */
function exactLaw(weights: number[], k: number): { single: number[]; pair: number[][] } {
  const n = weights.length;
  const single = weights.map(() => 0);
  const pair = weights.map(() => weights.map(() => 0));
  const positive = weights.filter((w) => w > 0).length;
  assert.ok(positive >= k, 'the brute force covers positive weights only');
  const walk = (chosen: number[], probability: number): void => {
    if (chosen.length === k) {
      for (const i of chosen) {
        single[i] += probability;
        for (const j of chosen) if (j !== i) pair[i][j] += probability;
      }
      return;
    }
    const remaining = weights.reduce((sum, w, i) => (chosen.includes(i) || !(w > 0) ? sum : sum + w), 0);
    weights.forEach((w, i) => { if (!chosen.includes(i) && w > 0) walk([...chosen, i], probability * w / remaining); });
  };
  walk([], 1);
  void n;
  return { single, pair };
}

/** `copies` independent draws of one small layer in one call (each copy is its own layer, hence its own stream). */
function drawMany(weights: number[], k: number, copies: number, seed: number, dtype: 'float64' | 'float32' = 'float64'): number[][] {
  return T.tidy(() => {
    const score = T.tensor(dtype === 'float64' ? new Float64Array(weights) : new Float32Array(weights));
    return rows(T.stack(T.weightedSampleMasks(Array(copies).fill(score), null, Array(copies).fill(k), seed)), weights.length);
  });
}

/** A stacked [copies, n] bool tensor as rows of 0/1 numbers. */
function rows(stacked: T.Tensor, n: number): number[][] {
  const flat = stacked.toArray().map(Number);
  return Array.from({ length: flat.length / n }, (_, row) => flat.slice(row * n, (row + 1) * n));
}

const within = (frequency: number, p: number, draws: number): boolean =>
  Math.abs(frequency - p) <= Z * Math.sqrt(Math.max(p * (1 - p), 1e-12) / draws);

describe('the law of successive draws ∝ w', () => {
  // Confidence: 20000 draws; each frequency within Z = 4 standard errors of the exact probability. For k = 2 the 15
  // pair probabilities determine the law of the drawn set completely.
  for (const k of [2, 3]) {
    test(`n = 6, k = ${k}: single and pair inclusion frequencies match the brute force`, () => {
      const weights = [1, 2, 3, 0.5, 6, 1.5];
      const draws = 20000;
      const masks = drawMany(weights, k, draws, 100 + k);
      const exact = exactLaw(weights, k);
      masks.forEach((mask) => assert.equal(mask.reduce((a, b) => a + Number(b), 0), k));
      for (let i = 0; i < 6; i++) {
        const frequency = masks.filter((mask) => mask[i]).length / draws;
        assert.ok(within(frequency, exact.single[i], draws), `w = ${weights[i]}: ${frequency} vs exact ${exact.single[i]}`);
        for (let j = i + 1; j < 6; j++) {
          const both = masks.filter((mask) => mask[i] && mask[j]).length / draws;
          assert.ok(within(both, exact.pair[i][j], draws), `pair (${i}, ${j}): ${both} vs exact ${exact.pair[i][j]}`);
        }
      }
      // the law differs clearly from keeping the largest or from draws with replacement: the test can fail
      assert.ok(exact.single[4] < 0.95 && exact.single[3] > 0.05);
    });
  }

  test('float32 scores, zero, negative and NaN scores weigh 0; equal weights are drawn uniformly', () => {
    const draws = 12000;
    const masks = drawMany([2, 0, -1, Number.NaN, 1, 1], 2, draws, 7, 'float32');
    const exact = exactLaw([2, 0, 0, 0, 1, 1], 2);
    for (let i = 0; i < 6; i++) {
      const frequency = masks.filter((mask) => mask[i]).length / draws;
      if (i >= 1 && i <= 3) assert.equal(frequency, 0, `entry ${i} of weight 0 was drawn`);
      else assert.ok(within(frequency, exact.single[i], draws), `entry ${i}: ${frequency} vs ${exact.single[i]}`);
    }
    const ties = drawMany([1, 1, 1, 1, 1], 2, draws, 8);
    for (let i = 0; i < 5; i++) {
      const frequency = ties.filter((mask) => mask[i]).length / draws;
      assert.ok(within(frequency, 0.4, draws), `tied entry ${i}: ${frequency}`);
    }
  });

  // Confidence: among 3 zero-weight entries, 1 of 3 is drawn to fill the count: Binomial(draws, 1/3).
  test('a layer with fewer positive weights than its count keeps them all and fills uniformly from weight 0', () => {
    const draws = 9000;
    const masks = T.tidy(() => {
      const score = T.tensor(new Float64Array([5, 0, 0, 0, 3]));
      const support = T.tensor(new Uint8Array([1, 1, 1, 1, 0])).to('bool');
      return rows(T.stack(T.weightedSampleMasks(Array(draws).fill(score), Array(draws).fill(support), Array(draws).fill(2), 9)), 5);
    });
    assert.ok(masks.every((mask) => mask[0] && !mask[4]));
    for (const i of [1, 2, 3]) {
      const frequency = masks.filter((mask) => mask[i]).length / draws;
      assert.ok(within(frequency, 1 / 3, draws), `zero-weight entry ${i}: ${frequency}`);
    }
  });

  // The top key of a weight 1e300 times larger is always first; the other draw among weights 1:2:4 of order 1e-320
  // (subnormal: E/w overflows to +∞, so the kernel redoes the layer with keys log E − log w).
  test('keys that overflow at the boundary: drawn with keys log E − log w, still ∝ w', () => {
    const tiny = Number.MIN_VALUE * 2048;
    const weights = [tiny, 2 * tiny, 4 * tiny, 1e-20];
    const draws = 9000;
    const masks = drawMany(weights, 2, draws, 10);
    assert.ok(masks.every((mask) => mask[3]));
    [1 / 7, 2 / 7, 4 / 7].forEach((p, i) => {
      const frequency = masks.filter((mask) => mask[i]).length / draws;
      assert.ok(within(frequency, p, draws), `subnormal weight ${i}: ${frequency} vs ${p}`);
    });
  });
});

// The generator as documented in native/sampling.cc, in BigInt: SplitMix64's output function of per-layer streams.
const M64 = (1n << 64n) - 1n;
const GAMMA = 0x9e3779b97f4a7c15n;
function mix64(value: bigint): bigint {
  let z = value & M64;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & M64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & M64;
  return z ^ (z >> 31n);
}
const streamOf = (seed: number, layer: number, purpose: number): bigint =>
  mix64(BigInt(seed) ^ mix64(((BigInt(layer) << 2n) | BigInt(purpose)) + 1n));
const uniformAt = (stream: bigint, i: number): number =>
  (Number(mix64(stream + BigInt(i + 1) * GAMMA) >> 12n) + 0.5) * 2 ** -52;

/** The expected mask: the count smallest keys −log(U)/w among eligible positive entries (fill from weight 0). */
function expectedMask(weights: ArrayLike<number>, eligible: ArrayLike<number> | null, count: number, seed: number, layer: number): number[] {
  const positiveStream = streamOf(seed, layer, 0);
  const zeroStream = streamOf(seed, layer, 1);
  const positive: { key: number; index: number }[] = [];
  const zero: { key: number; index: number }[] = [];
  for (let i = 0; i < weights.length; i++) {
    if (eligible && !eligible[i]) continue;
    if (weights[i] > 0) positive.push({ key: -Math.log(uniformAt(positiveStream, i)) / weights[i], index: i });
    else zero.push({ key: 0, index: i });
  }
  const mask = Array.from(weights, () => 0);
  const order = (a: { key: number; index: number }, b: { key: number; index: number }) => a.key - b.key || a.index - b.index;
  positive.sort(order);
  for (const { index } of positive.slice(0, count)) mask[index] = 1;
  const rest = count - positive.length;
  if (rest > 0) {
    for (const entry of zero) entry.key = uniformAt(zeroStream, entry.index);
    zero.sort(order);
    for (const { index } of zero.slice(0, rest)) mask[index] = 1;
  }
  return mask;
}

describe('the kernel against the documented keys', () => {
  test('large layers (sampled bracket), support, float32, fill, several layers: the k smallest keys exactly', () => {
    T.manualSeed(21);
    const cases = T.tidy(() => {
      const n = 40000;
      const uniform = T.rand([n], { dtype: 'float64' });
      const heavy = T.randn([200, 200], { dtype: 'float64' }).mul(4).exp(); // weights over many orders of magnitude
      const structured = T.tensor(Float64Array.from({ length: n }, (_, i) => (i % 9) + 1)); // periodic, as 3×3 kernels
      const support = T.rand([n]).gt(0.3);
      const grasp = T.randn([n], { dtype: 'float64' }); // half the weights 0: a count above the positives fills
      return [
        { score: uniform, support: null, count: 12000 },
        { score: heavy, support: support.view([200, 200]), count: 25000 },
        { score: structured, support, count: 50 },
        { score: uniform.to('float32'), support, count: 27000 },
        { score: grasp, support: null, count: 30000 },
      ].map(({ score, support, count }) => ({
        weights: score.to('float64').flatten().toArray() as number[],
        eligible: support ? support.flatten().to('uint8').toArray() as number[] : null,
        score: T.keep(score), support: support ? T.keep(support) : null, count,
      }));
    });
    try {
      for (const group of [cases.slice(0, 3), cases.slice(3, 4), cases.slice(4)]) T.tidy(() => {
        const seed = 1234 + group.length;
        const allowed = group.map(({ score, support }) => support ?? T.ones(score.shape, { dtype: 'bool' }));
        const masks = T.weightedSampleMasks(group.map(({ score }) => score), allowed, group.map(({ count }) => count), seed);
        group.forEach(({ weights, eligible, count }, layer) => {
          const actual = masks[layer].flatten().toArray().map(Number);
          const expected = expectedMask(weights, eligible, count, seed, layer);
          const wrong = actual.findIndex((value, i) => value !== expected[i]);
          assert.equal(wrong, -1, `layer ${layer} of ${group.length}: first difference at ${wrong}`);
          assert.equal(actual.reduce((a, b) => a + b, 0), count);
        });
      });
    } finally {
      for (const { score, support } of cases) { score.dispose(); support?.dispose(); }
    }
  });

  test('the same masks for a seed whatever the thread count; the seed comes from libtorch\'s generator', () => T.tidy(() => {
    T.manualSeed(5);
    const scores = [T.rand([300, 300], { dtype: 'float64' }), T.rand([5000], { dtype: 'float64' })];
    const support = scores.map((score) => T.rand(score.shape).gt(0.5));
    const draw = (seed?: number) => T.weightedSampleMasks(scores, support, [20000, 1000], seed).map((mask) => mask.toArray());
    const threads = T.getNumThreads();
    try {
      T.setNumThreads(1);
      const one = draw(77);
      T.setNumThreads(2);
      assert.deepEqual(draw(77), one);
      assert.notDeepEqual(draw(78), one);
      T.manualSeed(9);
      const first = draw();
      const second = draw(); // the generator advanced
      T.manualSeed(9);
      assert.deepEqual(draw(), first);
      assert.notDeepEqual(second, first);
    } finally {
      T.setNumThreads(threads);
    }
  }));

  test('the AVX2 and portable scans of the code bytes give the AVX-512 masks (SKETCHPRUNE_SAMPLING_SCAN, a child process)', () => {
    // a layer whose length is not a multiple of 64 (the tail), a support with long empty runs, a float32 layer
    const script = `
      const T = await import(${JSON.stringify(new URL('../../src/torch/index.js', import.meta.url).href)});
      const n = 100003;
      const score = T.tensor(Float64Array.from({ length: n }, (_, i) => ((i * 7919) % 1000 + 1) / 1000));
      const support = T.tensor(Uint8Array.from({ length: n }, (_, i) => Number((i >> 9) % 3 !== 0 && i % 5 !== 0))).to('bool');
      const masks = T.weightedSampleMasks([score, score.to('float64')], [support, support], [20000, 3000], 4242);
      console.log(masks.map((mask) => mask.to('uint8').toArray().join('')).join('|'));`;
    const run = (scan?: string): string => {
      const env = { ...process.env };
      if (scan) env.SKETCHPRUNE_SAMPLING_SCAN = scan;
      else delete env.SKETCHPRUNE_SAMPLING_SCAN;
      const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env, encoding: 'utf8' });
      assert.equal(child.status, 0, child.stderr);
      return child.stdout.trim();
    };
    const widest = run();
    assert.equal(widest.split('|')[0].split('').filter((bit) => bit === '1').length, 20000);
    assert.equal(run('avx2'), widest);
    assert.equal(run('portable'), widest);
  });

  test('edge cases: count 0, count = eligible (all of them), +∞ scores first, ineligible never drawn', () => T.tidy(() => {
    const score = T.tensor(new Float64Array([3, 0, 1, 2, 0, 5]));
    const support = T.tensor(new Uint8Array([1, 1, 0, 1, 1, 1])).to('bool');
    const masks = T.weightedSampleMasks([score, score, score], [support, support, support], [0, 5, 3], 1);
    assert.deepEqual(masks[0].toArray().map(Number), [0, 0, 0, 0, 0, 0]);
    assert.deepEqual(masks[1].toArray().map(Number), [1, 1, 0, 1, 1, 1]);
    assert.deepEqual(masks[2].toArray().map(Number), [1, 0, 0, 1, 0, 1]); // the 3 eligible positive ones
    const all = T.weightedSampleMasks([score], null, [6], 2)[0];
    assert.deepEqual(all.toArray().map(Number), [1, 1, 1, 1, 1, 1]);
    for (let seed = 0; seed < 20; seed++) {
      const infinite = T.weightedSampleMasks([T.tensor(new Float64Array([1e300, Infinity, 1e300]))], null, [1], seed)[0];
      assert.deepEqual(infinite.toArray().map(Number), [0, 1, 0]);
    }
    assert.deepEqual(T.weightedSampleMasks([], null, [], 3), []);
  }));
});

test('bad input is an Error naming the problem', () => T.tidy(() => {
  const score = T.tensor(new Float64Array([1, 2, 3]));
  const support = T.tensor(new Uint8Array([1, 0, 1])).to('bool');
  const cases: [() => unknown, RegExp][] = [
    [() => T.weightedSampleMasks([score], [support], [3]), /has 2 eligible entries, fewer than its count 3/],
    [() => T.weightedSampleMasks([score], null, [4]), /count 4 for layer 0 of 3 entries/],
    [() => T.weightedSampleMasks([score], null, [-1]), /count -1/],
    [() => T.weightedSampleMasks([score], null, [1, 1]), /2 counts for 1 score tensors/],
    [() => T.weightedSampleMasks([score], [support, support], [1]), /2 support tensors for 1 score tensors/],
    [() => T.weightedSampleMasks([score], [T.ones([3])], [1]), /support must be bool tensors/],
    [() => T.weightedSampleMasks([score], [T.ones([4], { dtype: 'bool' })], [1]), /support 0 has 4 entries, its scores 3/],
    [() => T.weightedSampleMasks([T.ones([3], { dtype: 'int64' })], null, [1]), /float32 or float64/],
    [() => T.weightedSampleMasks([score, score.to('float32')], null, [1, 1]), /scores of one dtype/],
    [() => T.weightedSampleMasks([score], null, [1], -2), /seed must be a non-negative integer/],
    [() => T.weightedSampleMasks([score], null, [1.5]), /integer/],
  ];
  for (const [call, message] of cases) assert.throws(call, (error: unknown) => error instanceof Error && message.test(error.message), String(message));
}));
