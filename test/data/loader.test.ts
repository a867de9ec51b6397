import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ImageDataset } from '../../src/data/dataset.js';
import { DataLoader } from '../../src/data/loader.js';
import { memoryStats, tidy } from '../../src/torch/index.js';

/** 50 tiny images whose every pixel equals the example's index, and labels = index mod 10. */
function indexDataset(n = 50): ImageDataset {
  const pixels = new Uint8Array(n * 2 * 4 * 4);
  for (let i = 0; i < n; i++) pixels.fill(i, i * 32, (i + 1) * 32);
  return ImageDataset.fromArrays({ pixels, imageShape: [2, 4, 4], labels: Uint8Array.from({ length: n }, (_, i) => i % 10) },
    { name: 'index', split: 'train', numClasses: 10, source: 'memory' });
}

/** The example indices of a batch, read from its pixels (pixel/255 = index/255 without normalization). */
function batchIndices(loader: DataLoader, epoch: number, index: number): number[] {
  return tidy(() => {
    const batch = loader.batch(epoch, index);
    return batch.inputs.amax([1, 2, 3]).mul(255).round().toArray();
  });
}

test('an epoch visits every example once, with labels that belong to the images', () => {
  const dataset = indexDataset();
  const loader = new DataLoader(dataset, { batchSize: 8, seed: 3 });
  assert.equal(loader.length, 7);
  const seen: number[] = [];
  for (const batch of loader.batches(0)) {
    const indices = tidy(() => batch.inputs.amax([1, 2, 3]).mul(255).round().toArray());
    assert.deepEqual(batch.labels.toArray(), indices.map((i) => i % 10));
    assert.equal(batch.inputs.dtype, 'float32');
    assert.equal(batch.labels.dtype, 'int64');
    seen.push(...indices);
    batch.inputs.dispose();
    batch.labels.dispose();
  }
  assert.equal(seen.length, 50);
  assert.deepEqual([...seen].sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i));
  assert.deepEqual(seen, Array.from(loader.order(0)));
  dataset.dispose();
});

test('order depends only on seed and epoch; batch(e, i) is the same for a fresh loader (resume)', () => {
  const dataset = indexDataset();
  const options = { batchSize: 8, seed: 11, augment: true };
  const first = new DataLoader(dataset, options);
  const second = new DataLoader(dataset, options);
  assert.deepEqual(Array.from(first.order(2)), Array.from(second.order(2)));
  assert.notDeepEqual(Array.from(first.order(2)), Array.from(first.order(3)));
  assert.notDeepEqual(Array.from(first.order(2)), Array.from(new DataLoader(dataset, { ...options, seed: 12 }).order(2)));
  // an uninterrupted epoch and one resumed at batch 4 by a new loader give bit-identical batches
  const uninterrupted = [...first.batches(5)].map((batch) => tidy(() => batch.inputs.toArray()));
  first.order(0); // the cached order of another epoch must not leak into epoch 5
  const resumed = [...second.batches(5, 4)].map((batch) => tidy(() => batch.inputs.toArray()));
  assert.deepEqual(resumed, uninterrupted.slice(4));
  dataset.dispose();
});

test('without shuffling the order is 0..N-1; dropLast drops the short batch', () => {
  const dataset = indexDataset(20);
  const plain = new DataLoader(dataset, { batchSize: 6, shuffle: false });
  assert.deepEqual(Array.from(plain.order(4)), Array.from({ length: 20 }, (_, i) => i));
  assert.equal(plain.length, 4);
  assert.deepEqual(batchIndices(plain, 0, 3), [18, 19]);
  const dropping = new DataLoader(dataset, { batchSize: 6, shuffle: false, dropLast: true });
  assert.equal(dropping.length, 3);
  assert.throws(() => dropping.batch(0, 3), /batch index 3 out of range \[0, 3\)/);
  dataset.dispose();
});

test('augmented batches are crops of the right images, and normalization uses the given statistics', () => {
  const dataset = indexDataset(16);
  const loader = new DataLoader(dataset, { batchSize: 16, seed: 1, augment: { padding: 2 }, normalize: { mean: [0.1, 0.2], std: [0.5, 0.25] } });
  const values = tidy(() => loader.batch(0, 0).inputs.toArray());
  const order = loader.order(0);
  for (let b = 0; b < 16; b++) {
    for (let c = 0; c < 2; c++) {
      const mean = [0.1, 0.2][c];
      const std = [0.5, 0.25][c];
      for (let p = 0; p < 16; p++) {
        const pixel = values[(b * 2 + c) * 16 + p] * std + mean;
        // every pixel is either padding (0) or the example's index
        const isPadding = Math.abs(pixel) < 1e-6;
        assert.ok(isPadding || Math.abs(pixel * 255 - order[b]) < 1e-3, `batch ${b} channel ${c}: pixel ${pixel * 255}`);
      }
    }
  }
  dataset.dispose();
});

test('running many batches leaves no tensors behind', () => {
  const dataset = indexDataset();
  const loader = new DataLoader(dataset, { batchSize: 8, augment: true, normalize: { mean: [0.5, 0.5], std: [0.2, 0.2] } });
  tidy(() => { loader.batch(0, 0); });
  const before = memoryStats();
  for (let epoch = 0; epoch < 3; epoch++) for (const batch of loader.batches(epoch)) { batch.inputs.dispose(); batch.labels.dispose(); }
  assert.deepEqual(memoryStats(), before);
  assert.throws(() => new DataLoader(dataset, { batchSize: 0 }), /batchSize must be a positive integer, got 0/);
  assert.throws(() => new DataLoader(dataset, { batchSize: 4, normalize: { mean: [0.5], std: [0.2] } }),
    /normalize needs 2 means and 2 positive stds, got mean \[0.5\], std \[0.2\]/);
  // the returned order is a copy: changing it does not change the batches
  loader.order(1).fill(0);
  assert.equal(new Set(loader.order(1)).size, 50);
  dataset.dispose();
});
