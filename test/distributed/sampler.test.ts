import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shardPositions, shardRange } from '../../src/distributed/index.js';
import { ImageDataset } from '../../src/data/dataset.js';
import { DataLoader } from '../../src/data/loader.js';
import { TensorBatches } from '../../src/train/index.js';
import { tensor, tidy } from '../../src/torch/index.js';

test('shardRange splits a batch into contiguous, disjoint parts that cover it, sizes differing by at most one', () => {
  for (let size = 0; size <= 23; size++) {
    for (let worldSize = 1; worldSize <= 6; worldSize++) {
      const parts = Array.from({ length: worldSize }, (_, rank) => shardRange(size, rank, worldSize));
      assert.equal(parts[0].start, 0);
      for (let rank = 1; rank < worldSize; rank++) assert.equal(parts[rank].start, parts[rank - 1].end);
      assert.equal(parts[worldSize - 1].end, size);
      const sizes = parts.map((part) => part.end - part.start);
      assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `${size}/${worldSize}: ${sizes}`);
      assert.deepEqual(sizes, [...sizes].sort((a, b) => b - a), 'larger parts first');
      if (size > 0) assert.ok(sizes[0] > 0, 'rank 0 is never empty');
    }
  }
  assert.deepEqual(shardRange(128, 1, 2), { start: 64, end: 128 });
  assert.deepEqual(shardRange(91, 0, 2), { start: 0, end: 46 });
  assert.deepEqual(shardRange(91, 1, 2), { start: 46, end: 91 });
  assert.throws(() => shardRange(5, 2, 2), /rank must be in \[0, 2\)/);
  assert.throws(() => shardRange(-1, 0, 2), /size/);
});

test('shardPositions: over all ranks, each global batch is exactly the single-process batch of size B×W', () => {
  const examples = 103;
  for (const worldSize of [1, 2, 3, 4]) {
    const perRank = 8;
    const globalBatch = perRank * worldSize;
    const batches = Math.ceil(examples / globalBatch);
    const seen: number[] = [];
    for (let index = 0; index < batches; index++) {
      const union: number[] = [];
      for (let rank = 0; rank < worldSize; rank++) {
        const { start, end } = shardPositions(examples, globalBatch, index, rank, worldSize);
        for (let position = start; position < end; position++) union.push(position);
      }
      const single = Array.from({ length: Math.min(globalBatch, examples - index * globalBatch) }, (_, i) => index * globalBatch + i);
      assert.deepEqual(union, single);
      seen.push(...union);
    }
    assert.deepEqual(seen, Array.from({ length: examples }, (_, i) => i));
  }
});

/** 30 tiny images whose pixels encode the example index (pixel (0,0) = index) and vary in space. */
function indexDataset(n = 30): ImageDataset {
  const pixels = new Uint8Array(n * 1 * 6 * 6);
  for (let i = 0; i < n; i++) for (let p = 0; p < 36; p++) pixels[i * 36 + p] = (i * 7 + p * 3) % 251;
  return ImageDataset.fromArrays({ pixels, imageShape: [1, 6, 6], labels: Uint8Array.from({ length: n }, (_, i) => i % 10) },
    { name: 'index', split: 'train', numClasses: 10, source: 'memory' });
}

test('DataLoader rows: the parts of a batch, augmentation included, concatenate to the whole batch', () => {
  const dataset = indexDataset();
  const loader = new DataLoader(dataset, { batchSize: 8, seed: 4, augment: { padding: 2 } });
  assert.equal(loader.rowsIn(3), 6);
  for (const index of [0, 3]) {
    tidy(() => {
      const whole = loader.batch(1, index);
      const size = loader.rowsIn(index);
      const parts = [0, 1, 2].map((rank) => loader.batch(1, index, shardRange(size, rank, 3)));
      const inputs = parts.flatMap((part) => part.inputs.toArray());
      const labels = parts.flatMap((part) => part.labels.toArray());
      assert.deepEqual(inputs, whole.inputs.toArray());
      assert.deepEqual(labels, whole.labels.toArray());
    });
  }
  assert.throws(() => loader.batch(0, 3, { start: 2, end: 7 }), /rows \[2, 7\) out of range for batch 3 of 6 examples/);
  dataset.dispose();
});

test('TensorBatches rows: parts of a batch concatenate to the whole batch', () => {
  tidy(() => {
    const inputs = tensor(Float32Array.from({ length: 22 * 3 }, (_, i) => i), [22, 3]);
    const labels = tensor(Int32Array.from({ length: 22 }, (_, i) => i % 4), [22]);
    const source = new TensorBatches(inputs, labels, { batchSize: 10, seed: 9 });
    assert.equal(source.rowsIn(2), 2);
    for (const index of [0, 2]) {
      const whole = source.batch(5, index);
      const parts = [0, 1].map((rank) => source.batch(5, index, shardRange(source.rowsIn(index), rank, 2)));
      assert.deepEqual(parts.flatMap((part) => part.inputs.toArray()), whole.inputs.toArray());
      assert.deepEqual(parts.flatMap((part) => part.labels.toArray()), whole.labels.toArray());
    }
    source.dispose();
  });
});
