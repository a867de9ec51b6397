// Pruning kernels: survivorTopK's two implementations (native loops, ATen ops; both run on the CPU here) against a
// brute-force sort (value descending, then flat position) and each other, over many layouts that hit the sampled
// bracket, a missed bracket, ties at the threshold across tensors, ties at the bracket's lower end, infinities,
// k = 0, 1, n − 1 and n, dead blocks and layers with nothing alive, four dtypes and NaN; zeroWhere_ against
// masked_fill_; replaceMasks_ (with and without zeroing) by both implementations.
import test from 'node:test';
import assert from 'node:assert/strict';
import * as T from '../../src/torch/index.js';

/** The brute-force reference: positions (tensor, offset) of the k largest survivors, ties in flat order. */
function bruteForce(scores: number[][], support: boolean[][] | null, k: number): number[][] {
  const entries: { value: number; layer: number; offset: number; flat: number }[] = [];
  let flat = 0;
  scores.forEach((values, layer) => values.forEach((value, offset) => {
    if (!support || support[layer][offset]) entries.push({ value, layer, offset, flat });
    flat += 1;
  }));
  entries.sort((a, b) => (b.value - a.value) || (a.flat - b.flat));
  const masks = scores.map((values) => values.map(() => 0));
  for (const entry of entries.slice(0, k)) masks[entry.layer][entry.offset] = 1;
  return masks;
}

type ScoreDType = 'float64' | 'float32' | 'int64' | 'int32';
const paths: readonly T.KernelPath[] = ['native', 'aten'];

/** Scores as the dtype holds them (what the brute force must rank). */
function rounded(scores: number[][], dtype: ScoreDType): number[][] {
  if (dtype === 'float64') return scores;
  if (dtype === 'float32') return scores.map((values) => Array.from(new Float32Array(values)));
  return T.tidy(() => scores.map((values) => T.tensor(new Float64Array(values)).to(dtype).to('float64').toArray() as number[]));
}

/**
 * survivorTopK by both implementations (native loops and ATen ops, forced on the CPU; int64 and int32 only by
 * ATen) against the brute force and against each other, with and without the caller's survivor count.
 */
function check(scores: number[][], support: boolean[][] | null, k: number, dtype: ScoreDType = 'float64', label = ''): void {
  T.tidy(() => {
    const tensors = scores.map((values) => T.tensor(new Float64Array(values)).to(dtype));
    const supportTensors = support ? support.map((values) => T.tensor(new Uint8Array(values.map(Number))).to('bool')) : null;
    const expected = bruteForce(rounded(scores, dtype), support, k);
    const expectedCounts = expected.map((mask) => mask.reduce((sum, value) => sum + value, 0));
    const survivors = support ? support.flat().filter(Boolean).length : undefined;
    const results: number[][][] = [];
    for (const path of dtype === 'int64' || dtype === 'int32' ? ['aten' as const] : paths) {
      for (const given of support ? [undefined, survivors] : [undefined]) {
        const what = `${label} (${path}${given === undefined ? '' : ', survivors given'})`;
        const { masks, counts, nan } = T.survivorTopK(tensors, supportTensors, k, { path, survivors: given });
        assert.equal(nan, null, what);
        masks.forEach((mask, index) => {
          assert.equal(mask.dtype, 'bool', what);
          assert.deepEqual(mask.shape, tensors[index].shape, what);
        });
        const actual = masks.map((mask) => mask.toArray() as number[]);
        for (let layer = 0; layer < scores.length; layer++) {
          const wrong = actual[layer].findIndex((value, offset) => value !== expected[layer][offset]);
          assert.equal(wrong, -1, `${what} layer ${layer}: first difference at ${wrong}`);
        }
        assert.deepEqual(counts, expectedCounts, what);
        results.push(actual);
      }
    }
    for (const result of results.slice(1)) assert.deepEqual(result, results[0], `${label}: the implementations agree`);
  });
}

/** A deterministic pseudo-random stream (so a failure reproduces). */
function stream(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

test('small inputs (every survivor a candidate): equals the brute force, ties in flat order across tensors', () => {
  check([[1, 2, 2, 2, 3], [2, 0]], null, 3, 'float64', 'ties');
  check([[1, 2, 2, 2, 3], [2, 0]], null, 5, 'float64', 'ties across tensors');
  check([[0, 0, 0], [0, 0]], null, 2, 'float64', 'all equal');
  check([[1, 5, 3], [4, 2]], [[true, false, true], [false, true]], 2, 'float64', 'support');
  check([[-Infinity, 1, Infinity], [Infinity, -Infinity]], null, 2, 'float64', 'infinities');
  check([[-Infinity, 1, Infinity], [Infinity, -Infinity]], null, 4, 'float64', 'infinities, tie at -inf');
  check([[0.1, 0.2, 0.3]], null, 1, 'float32', 'float32');
  for (const k of [0, 1, 6, 7]) check([[1, 2, 2, 2, 3], [2, 0]], null, k, 'float64', `k=${k} of 7`);
  for (const k of [0, 1, 2, 3]) check([[1, 5, 3], [4, 2], [7, 7]], [[true, false, true], [false, true], [false, false]], k, 'float32', `k=${k} of 3, a dead layer`);
  check([[5, 5, 5], [5]], [[false, false, false], [false]], 0, 'float64', 'nothing alive');
});

test('k = 0, 1, n − 1, n on random inputs with ties, several layers, dead blocks and dead layers, four score dtypes', () => {
  const random = stream(7);
  const sizes = [40_000, 3, 65_600, 1_000, 20_000];
  const scores = sizes.map((size) => Array.from({ length: size }, () => Math.floor(random() * 50) / 8)); // 50 values: ties
  // layer 1 dead; layer 2 dead but for islands (whole 64-entry blocks without a survivor); the rest random
  const support = sizes.map((size, layer) => Array.from({ length: size }, (_, offset) =>
    layer === 1 ? false : layer === 2 ? offset % 1000 < 40 && random() < 0.5 : random() < 0.7));
  const survivors = support.flat().filter(Boolean).length;
  for (const k of [0, 1, survivors - 1, survivors, Math.floor(survivors * 0.37)]) {
    check(scores, support, k, 'float64', `float64 k=${k}`);
    check(scores, support, k, 'float32', `float32 k=${k}`);
  }
  const total = sizes.reduce((sum, size) => sum + size, 0);
  for (const k of [0, 1, total - 1, total]) check(scores, null, k, 'float32', `no support k=${k}`);
  const small = [scores[1], scores[3].slice(0, 200)];
  const smallSupport = [support[1], support[3].slice(0, 200)];
  const alive = smallSupport.flat().filter(Boolean).length;
  for (const dtype of ['int64', 'int32'] as const) {
    for (const k of [0, 1, alive - 1, alive, 50]) check(small, smallSupport, k, dtype, `${dtype} k=${k}`);
  }
});

test('large inputs (sampled bracket): random, heavy ties, ties at the bracket ends, support, float32', () => {
  const random = stream(1);
  const sizes = [30_000, 70_000, 1_000, 50_000];
  const make = <V>(value: (layer: number, offset: number) => V): V[][] => sizes.map((size, layer) => Array.from({ length: size }, (_, offset) => value(layer, offset)));
  const total = sizes.reduce((sum, size) => sum + size, 0);
  const continuous = make(() => random());
  const coarse = make(() => Math.floor(random() * 20) / 20); // 20 values: the threshold is a heavy tie
  const spread = make(() => Math.exp(40 * (random() - 0.5)));
  const zeros = make((_layer, _offset) => (random() < 0.7 ? 0 : random())); // ties at zero below the threshold
  const support = make(() => random() < 0.6);
  const survivors = support.flat().filter(Boolean).length;
  for (const k of [1, 17, Math.floor(total * 0.1), Math.floor(total * 0.5), total - 3]) {
    check(continuous, null, k, 'float64', `continuous k=${k}`);
    check(coarse, null, k, 'float64', `coarse k=${k}`);
    check(zeros, null, k, 'float64', `zeros k=${k}`);
  }
  check(spread, null, 12_345, 'float64', 'spread');
  check(continuous, support, Math.floor(survivors * 0.3), 'float64', 'support');
  check(coarse, support, Math.floor(survivors * 0.3), 'float64', 'coarse with support');
  check(zeros, support, Math.floor(survivors * 0.5), 'float64', 'ties at zero with support');
  check(continuous, null, 40_000, 'float32', 'float32');
  check(coarse, support, Math.floor(survivors * 0.3), 'float32', 'float32, coarse with support: ties across pieces');
  check(spread, support, 9_999, 'float32', 'float32, spread with support');
});

test('a sample that misses the threshold (values aligned with its stride) still gives the exact result', () => {
  // 2^20 entries: the sample takes every 16th; make exactly those entries large, so the sample's ranks mislead
  const size = 1 << 20;
  const values = Array.from({ length: size }, (_, offset) => (offset % 16 === 0 ? 1000 + offset / size : offset / size));
  check([values], null, 200_000, 'float64', 'aligned');
  check([values], null, 1_000, 'float64', 'aligned, small k');
});

test('NaN among survivors is reported with its tensor and count; NaN outside the support is ignored', () => {
  T.tidy(() => {
    const scores = [T.tensor(new Float64Array([1, 2, 3])), T.tensor(new Float64Array([NaN, 5, NaN]))];
    const support = [T.tensor(new Uint8Array([1, 1, 1])).to('bool'), T.tensor(new Uint8Array([0, 1, 0])).to('bool')];
    for (const path of paths) {
      for (const k of [0, 2, 3]) assert.deepEqual(T.survivorTopK(scores, null, k, { path }).nan, { index: 1, count: 2 }, `${path} k=${k}`);
      const { masks, nan } = T.survivorTopK(scores, support, 2, { path });
      assert.equal(nan, null);
      assert.deepEqual(masks.map((mask) => mask.toArray()), [[0, 0, 1], [0, 1, 0]]);
    }
  });
});

test('bad arguments fail with messages naming the problem', () => {
  T.tidy(() => {
    const scores = [T.tensor(new Float64Array([1, 2, 3]))];
    for (const path of paths) assert.throws(() => T.survivorTopK(scores, null, 4, { path }), /k must be in \[0, 3\]/);
    assert.throws(() => T.survivorTopK([T.tensor(new Int32Array([1]))], null, 1, { path: 'native' }), /float32 or float64/);
    assert.throws(() => T.survivorTopK(scores, [T.ones([2], { dtype: 'bool' })], 1), /support 0 has 2 entries, its scores 3/);
    assert.throws(() => T.survivorTopK(scores, [T.ones([2], { dtype: 'bool' })], 1, { path: 'aten' }), /support 0 must be a bool tensor of 3 entries/);
    assert.throws(() => T.zeroWhere_(scores, [T.ones([2], { dtype: 'bool' })]), /mask 0 has 2 entries/);
  });
});

test('zeroWhere_ equals masked_fill_(mask, 0) for float64, float32 and int64 tensors, contiguous or strided', () => {
  T.tidy(() => {
    T.manualSeed(5);
    for (const dtype of ['float64', 'float32', 'int64'] as const) {
      const tensor = T.randn([300, 701]).mul(100).to(dtype);
      const mask = T.rand([300, 701]).lt(0.3);
      const expected = tensor.clone().maskedFill_(mask, 0).toArray();
      T.zeroWhere_([tensor], [mask]);
      assert.deepEqual(tensor.toArray(), expected, dtype);
    }
    const sparse = T.randn([1001, 37], { dtype: 'float64' }); // most blocks of eight mask bytes are all zero
    const sparseMask = T.rand([1001, 37]).lt(0.01);
    const sparseExpected = sparse.clone().maskedFill_(sparseMask, 0).toArray();
    T.zeroWhere_([sparse], [sparseMask]);
    assert.deepEqual(sparse.toArray(), sparseExpected, 'sparse mask');
    const strided = T.randn([40, 30]).transpose(0, 1);
    const mask = T.rand([30, 40]).lt(0.5);
    const expected = strided.clone().maskedFill_(mask, 0).toArray();
    T.zeroWhere_([strided], [mask]);
    assert.deepEqual(strided.toArray(), expected, 'strided');
  });
});

test('absMul_ equals |a ⊙ b| from mul and abs, for float64 and float32, contiguous or strided targets', () => {
  T.tidy(() => {
    T.manualSeed(6);
    for (const dtype of ['float64', 'float32'] as const) {
      const target = T.randn([257, 33]).to(dtype);
      const other = T.randn([257, 33]).to(dtype);
      const expected = target.mul(other).abs().toArray();
      T.absMul_([target], [other]);
      assert.deepEqual(target.toArray(), expected, dtype);
      const strided = T.randn([33, 257]).to(dtype).transpose(0, 1);
      const stridedExpected = strided.mul(other).abs().toArray();
      T.absMul_([strided], [other]);
      assert.deepEqual(strided.toArray(), stridedExpected, `${dtype} strided`);
    }
    assert.throws(() => T.absMul_([T.ones([3], { dtype: 'float64' })], [T.ones([3])]), /factor 0 must be a CPU tensor of its target's dtype and shape/);
  });
});

test('withRegionThreads runs fn with that many region threads and restores the count, also when fn throws', () => {
  const before = T.getNumThreads();
  assert.equal(T.withRegionThreads(1, () => T.getNumThreads()), 1);
  assert.equal(T.getNumThreads(), before);
  assert.equal(T.withRegionThreads(3, () => T.getNumThreads()), 3);
  assert.equal(T.getNumThreads(), before);
  assert.throws(() => T.withRegionThreads(1, () => { throw new Error('inside'); }), /inside/);
  assert.equal(T.getNumThreads(), before);
  assert.throws(() => T.withRegionThreads(0, () => 1), /positive integer, got 0/);
  // results inside are the same as outside (only the split of work changes)
  T.tidy(() => {
    const a = T.randn([300, 200], { dtype: 'float64' });
    const b = T.randn([200, 100], { dtype: 'float64' });
    assert.deepEqual(T.withRegionThreads(1, () => a.matmul(b).sum().item()), a.matmul(b).sum().item());
  });
});

test('kernelPath: native for CPU tensors of the dtypes it handles, else ATen; SKETCHPRUNE_KERNELS forces one', () => {
  T.tidy(() => {
    const floats = [T.ones([2]), T.ones([2], { dtype: 'bool' })];
    const half = [T.ones([2], { dtype: 'float16' })];
    const saved = process.env.SKETCHPRUNE_KERNELS;
    try {
      delete process.env.SKETCHPRUNE_KERNELS;
      assert.equal(T.kernelPath(floats, undefined, ['float32', 'float64']), 'native');
      assert.equal(T.kernelPath(half, undefined, ['float32', 'float64']), 'aten');
      assert.equal(T.kernelPath(half), 'native');
      assert.equal(T.kernelPath(floats, 'aten'), 'aten');
      process.env.SKETCHPRUNE_KERNELS = 'aten';
      assert.equal(T.kernelPath(floats), 'aten');
      assert.equal(T.kernelPath(floats, 'native'), 'native', 'an explicit choice wins');
      process.env.SKETCHPRUNE_KERNELS = 'gpu';
      assert.throws(() => T.kernelPath(floats), /SKETCHPRUNE_KERNELS must be 'native' or 'aten', got 'gpu'/);
    } finally {
      if (saved === undefined) delete process.env.SKETCHPRUNE_KERNELS;
      else process.env.SKETCHPRUNE_KERNELS = saved;
    }
  });
});

test('replaceMasks_ with tensors to zero: both implementations zero exactly the dropped entries, in four dtypes', () => {
  T.tidy(() => {
    T.manualSeed(9);
    const sizes = [[300, 301], [5], [70_001]];
    const current = sizes.map((shape) => T.rand(shape).lt(0.7));
    current[2].narrow(0, 0, 20_000).zero_(); // a long dead run: nothing dropped there
    const next = current.map((mask) => mask.logicalAnd(T.rand(mask.shape).lt(0.9)));
    const dropped = current.map((mask, index) => mask.logicalAnd(next[index].logicalNot()));
    for (const dtype of ['float32', 'float64', 'int64', 'int16'] as const) {
      for (const path of paths) {
        const weights = sizes.map((shape) => T.randn(shape).add(3).to(dtype));
        const expected = weights.map((weight, index) => weight.maskedFill(dropped[index], 0).toArray());
        const views = current.map((mask) => mask.clone());
        assert.deepEqual(T.replaceMasks_(views, next, weights, path), [], `${dtype} ${path}: no masks returned`);
        assert.deepEqual(views.map((mask) => mask.toArray()), next.map((mask) => mask.toArray()), `${dtype} ${path}: masks`);
        assert.deepEqual(weights.map((weight) => weight.toArray()), expected, `${dtype} ${path}: weights`);
      }
    }
    // a strided tensor to zero (a transposed view) is zeroed through ATen inside the native call
    const base = T.randn([301, 300]).add(3);
    const strided = base.transpose(0, 1);
    const views = current.map((mask) => mask.clone());
    const expected = strided.maskedFill(dropped[0], 0).toArray();
    T.replaceMasks_([views[0]], [next[0]], [strided], 'native');
    assert.deepEqual(strided.toArray(), expected);
    assert.throws(() => T.replaceMasks_([views[1]], [next[1]], [T.ones([4])], 'native'), /tensor 0 to zero must be a CPU tensor of 5 entries/);
  });
});

test('replaceMasks_ copies the new masks in place and returns what was dropped (true before, false now)', () => {
  T.tidy(() => {
    T.manualSeed(8);
    const current = [T.rand([300, 301]).lt(0.7), T.rand([5]).lt(0.5), T.rand([70_001]).lt(0.9)];
    const next = current.map((mask) => mask.logicalAnd(T.rand(mask.shape).lt(0.8)).logicalOr(T.rand(mask.shape).lt(0.05)));
    const expectedDropped = current.map((mask, index) => mask.logicalAnd(next[index].logicalNot()).toArray());
    const expectedCurrent = next.map((mask) => mask.toArray());
    const views = current.map((mask) => mask); // the same tensors: updated in place
    const aten = current.map((mask) => mask.clone());
    const dropped = T.replaceMasks_(views, next);
    assert.deepEqual(dropped.map((mask) => mask.toArray()), expectedDropped);
    assert.deepEqual(current.map((mask) => mask.toArray()), expectedCurrent);
    assert.deepEqual(T.replaceMasks_(aten, next, undefined, 'aten').map((mask) => mask.toArray()), expectedDropped, 'aten');
    assert.deepEqual(aten.map((mask) => mask.toArray()), expectedCurrent, 'aten');
    assert.ok(expectedDropped[2].some((value) => value === 1), 'something was dropped');
    assert.throws(() => T.replaceMasks_([T.ones([3], { dtype: 'bool' })], [T.ones([4], { dtype: 'bool' })]), /new mask 0 must be a bool CPU tensor of 3 entries/);
  });
});
