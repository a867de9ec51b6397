// PrefetchingBatches: the same batches in the same order as the source it wraps, whether or not batches were
// prefetched; pinning falls back to ordinary memory where libtorch cannot pin (the CPU-only build here); the
// training loop asks for the next batch while a step runs and trains exactly as without prefetching.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { arange, buildInfo, manualSeed, memoryStats, randn, randint, tidy } from '../../src/torch/index.js';
import { createModel } from '../../src/nn/index.js';
import { PrefetchingBatches, TensorBatches, trainModel, type BatchSource } from '../../src/train/index.js';

/** 10 examples whose input is its own index, so a batch's contents name the examples it holds. */
function indexed(batchSize: number): TensorBatches {
  return tidy(() => new TensorBatches(arange(0, 10).float().view([10, 1]), arange(0, 10), { batchSize, seed: 3 }));
}
const contents = (source: BatchSource, epoch: number, index: number): number[] =>
  tidy(() => source.batch(epoch, index).inputs.flatten().toArray());

test('every batch equals the plain source\'s, in order, across epoch ends; prefetched batches are served from the prefetch', () => {
  const plain = indexed(4);
  const wrapped = new PrefetchingBatches(indexed(4), { device: 'cpu', pin: false });
  assert.equal(wrapped.length, 3);
  assert.equal(wrapped.seed, 3);
  const expected: number[][] = [];
  const got: number[][] = [];
  for (let epoch = 0; epoch < 3; epoch++) {
    for (let index = 0; index < wrapped.length; index++) {
      expected.push(contents(plain, epoch, index));
      got.push(contents(wrapped, epoch, index));
      wrapped.prefetch(epoch, index + 1); // as the loop does; past the end: the next epoch's first batch
    }
  }
  assert.deepEqual(got, expected);
  // the first batch was made on demand; every later one (8 of 9) came from a prefetch
  assert.equal(wrapped.hits, 8);
  // shuffled per epoch: epochs differ, and each epoch holds every example once
  assert.notDeepEqual(got.slice(0, 3), got.slice(3, 6));
  assert.deepEqual(got.slice(3, 6).flat().sort((a, b) => a - b), Array.from({ length: 10 }, (_, i) => i));
  wrapped.dispose();
  (wrapped.source as TensorBatches).dispose();
  plain.dispose();
});

test('a prefetch that is not asked for is dropped (the loop resumed elsewhere) and frees its tensors', () => {
  const plain = indexed(5);
  const wrapped = new PrefetchingBatches(indexed(5), { device: 'cpu', pin: false });
  const before = memoryStats().tensors;
  wrapped.prefetch(0, 1);
  assert.equal(memoryStats().tensors, before + 2);
  assert.deepEqual(contents(wrapped, 4, 0), contents(plain, 4, 0)); // another batch: made on demand
  assert.equal(wrapped.hits, 0);
  wrapped.prefetch(0, 1); // the same prefetch again: kept, not redone
  wrapped.prefetch(1, 0); // replaces it
  assert.equal(memoryStats().tensors, before + 2);
  wrapped.dispose();
  assert.equal(memoryStats().tensors, before);
  (wrapped.source as TensorBatches).dispose();
  plain.dispose();
});

test('pinning where libtorch cannot pin falls back to ordinary memory, with the same batches', () => {
  const cuda = buildInfo().cudaAvailable;
  const plain = indexed(4);
  const wrapped = new PrefetchingBatches(indexed(4), { device: 'cpu', pin: true });
  assert.equal(wrapped.pinned, true);
  assert.deepEqual(contents(wrapped, 0, 0), contents(plain, 0, 0));
  wrapped.prefetch(0, 1);
  assert.deepEqual(contents(wrapped, 0, 1), contents(plain, 0, 1));
  if (cuda) {
    assert.equal(wrapped.pinned, true);
    assert.equal(wrapped.pinError, null);
  } else {
    // Debian's libtorch has no CUDA: pin_memory throws, the loader stops trying and says why
    assert.throws(() => tidy(() => randn([2]).pinMemory()));
    assert.equal(wrapped.pinned, false);
    assert.match(wrapped.pinError ?? '', /\S/);
  }
  wrapped.dispose();
  (wrapped.source as TensorBatches).dispose();
  plain.dispose();
});

test('trainModel through PrefetchingBatches prefetches every next batch and ends with the same weights as without', async () => {
  const train = async (wrap: boolean) => {
    manualSeed(5);
    const model = createModel('fc', { inputShape: [1, 4, 4], numClasses: 3, widths: [8] });
    const data = tidy(() => new TensorBatches(randn([40, 1, 4, 4]), randint(0, 3, [40]), { batchSize: 8, seed: 2 }));
    const source = wrap ? new PrefetchingBatches(data, { device: 'cpu', pin: true }) : data;
    const losses: number[] = [];
    await trainModel({ model, trainData: source, epochs: 2, seed: 1, optimizer: { lr: 0.1, momentum: 0.9 }, onStep: (s) => losses.push(s.loss) });
    const weights = tidy(() => model.parameters().flatMap((p) => p.flatten().toArray()));
    const hits = source instanceof PrefetchingBatches ? source.hits : 0;
    if (source instanceof PrefetchingBatches) source.dispose();
    data.dispose();
    model.dispose();
    return { losses, weights, hits };
  };
  const plain = await train(false);
  const prefetched = await train(true);
  assert.equal(plain.losses.length, 10);
  assert.deepEqual(prefetched.losses, plain.losses);
  assert.deepEqual(prefetched.weights, plain.weights);
  assert.equal(prefetched.hits, 9); // all but the very first batch were ready when the loop asked
});
