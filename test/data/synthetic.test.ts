import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createInputSource, randomImageDataset } from '../../src/data/synthetic.js';
import { ImageDataset } from '../../src/data/dataset.js';
import { DataLoader } from '../../src/data/loader.js';
import { manualSeed, memoryStats, tidy } from '../../src/torch/index.js';
import { Z, assertMeanNear, chiSquareQuantile, meanOf, uniformChiSquare, varianceOf } from './statistics.js';

/** Values of channel c of a [B, C, H, W] row-major array. */
function channel(values: number[], shape: number[], c: number): number[] {
  const [batch, channels, height, width] = shape;
  const plane = height * width;
  const out: number[] = [];
  for (let b = 0; b < batch; b++) out.push(...values.slice((b * channels + c) * plane, (b * channels + c + 1) * plane));
  return out;
}

test('normal: per-channel mean and std as asked (bounds at 5 standard errors)', () => {
  manualSeed(1);
  const mean = [0.5, -1, 2];
  const std = [0.1, 1, 3];
  const source = createInputSource('normal', { shape: [3, 16, 16], batchSize: 64, numClasses: 10, mean, std });
  const { inputs, labels } = source.next();
  assert.deepEqual(inputs.shape, [64, 3, 16, 16]);
  assert.equal(inputs.dtype, 'float32');
  const values = inputs.toArray();
  for (let c = 0; c < 3; c++) {
    const sample = channel(values, inputs.shape, c);
    assertMeanNear(meanOf(sample), mean[c], std[c] ** 2, sample.length, `channel ${c} mean`);
    // Var of (x - μ)² is 2σ⁴ for a normal
    assertMeanNear(varianceOf(sample), std[c] ** 2, 2 * std[c] ** 4, sample.length, `channel ${c} variance`);
  }
  const classes = new Array<number>(10).fill(0);
  for (const label of labels.toArray()) classes[label]++;
  assert.equal(labels.dtype, 'int64');
  assert.equal(classes.reduce((a, b) => a + b, 0), 64);
  inputs.dispose();
  labels.dispose();
});

test('sparse: every position is non-zero in exactly one example, uniformly chosen, with normal values', () => {
  manualSeed(2);
  const mean = [1, -2];
  const std = [0.5, 2];
  const shape = [2, 32, 32];
  const batchSize = 16;
  const source = createInputSource('sparse', { shape, batchSize, numClasses: 10, mean, std });
  const { values, nonzeroPerPosition } = tidy(() => {
    const { inputs } = source.next();
    return { values: inputs.toArray(), nonzeroPerPosition: inputs.ne(0).sum(0).toArray() };
  });
  assert.ok(nonzeroPerPosition.every((count) => count === 1), 'a position with other than one non-zero entry');
  const positions = 2 * 32 * 32;
  const owners = new Array<number>(batchSize).fill(0);
  const byChannel: number[][] = [[], []];
  for (let b = 0; b < batchSize; b++) {
    for (let p = 0; p < positions; p++) {
      const value = values[b * positions + p];
      if (value !== 0) { owners[b]++; byChannel[Math.floor(p / 1024)].push(value); }
    }
  }
  assert.ok(uniformChiSquare(owners) < chiSquareQuantile(batchSize - 1), `owners ${owners}`);
  // positions are (c, h, w): the two channels of a pixel pick their examples independently (P(same) = 1/16)
  const ownerOf = (p: number) => { for (let b = 0; b < batchSize; b++) if (values[b * positions + p] !== 0) return b; return -1; };
  let same = 0;
  for (let p = 0; p < 1024; p++) if (ownerOf(p) === ownerOf(1024 + p)) same++;
  assert.ok(Math.abs(same - 1024 / 16) < Z * Math.sqrt(1024 * (1 / 16) * (15 / 16)), `same owner at ${same} of 1024 pixels`);
  for (let c = 0; c < 2; c++) {
    assert.equal(byChannel[c].length, 1024);
    assertMeanNear(meanOf(byChannel[c]), mean[c], std[c] ** 2, 1024, `sparse channel ${c} mean`);
    assertMeanNear(varianceOf(byChannel[c]), std[c] ** 2, 2 * std[c] ** 4, 1024, `sparse channel ${c} variance`);
  }
});

/** r(n) = Γ((n+1)/2)/Γ(n/2) by the exact recurrence r(n+2) = (n+1)/n · r(n), r(1) = 1/√π, r(2) = √π/2. */
function gammaRatio(n: number): number {
  let ratio = n % 2 === 1 ? 1 / Math.sqrt(Math.PI) : Math.sqrt(Math.PI) / 2;
  for (let k = n % 2 === 1 ? 1 : 2; k < n; k += 2) ratio *= (k + 1) / k;
  return ratio;
}

test('chi: mean and variance of ‖v‖, v ~ N(0, I/n), match the closed forms for n = 128 and n = 1', () => {
  manualSeed(3);
  for (const n of [128, 1, 5]) {
    const source = createInputSource('chi', { shape: [3, 32, 32], batchSize: 32, numClasses: 10, n });
    const values = tidy(() => source.next().inputs.toArray());
    // E‖v‖ = √(2/n)·Γ((n+1)/2)/Γ(n/2); E‖v‖² = 1; E‖v‖³ = (2/n)^{3/2}·(n+1)/2·r(n); E‖v‖⁴ = (n+2)/n
    const mu = Math.sqrt(2 / n) * gammaRatio(n);
    const variance = 1 - mu * mu;
    const third = (2 / n) ** 1.5 * ((n + 1) / 2) * gammaRatio(n);
    const fourth = (n + 2) / n;
    const centralFourth = fourth - 4 * mu * third + 6 * mu * mu - 3 * mu ** 4;
    assert.ok(values.every((value) => value > 0));
    assertMeanNear(meanOf(values), mu, variance, values.length, `chi n=${n} mean`);
    assertMeanNear(varianceOf(values), variance, centralFourth - variance ** 2, values.length, `chi n=${n} variance`);
  }
  // n = 1 gives |N(0,1)|, whose mean is √(2/π)
  assert.ok(Math.abs(Math.sqrt(2 / 1) * gammaRatio(1) - Math.sqrt(2 / Math.PI)) < 1e-15);
});

test('chi draws afresh on every call; float64 on request', () => {
  manualSeed(4);
  const source = createInputSource('chi', { shape: [1, 4, 4], batchSize: 2, numClasses: 3, dtype: 'float64' });
  const [a, b] = tidy(() => [source.next().inputs.toArray(), source.next().inputs.toArray()]);
  assert.notDeepEqual(a, b);
  const batch = source.next();
  assert.equal(batch.inputs.dtype, 'float64');
  batch.inputs.dispose();
  batch.labels.dispose();
});

test('ones are ones; labels are uniform over the classes', () => {
  manualSeed(5);
  const source = createInputSource('ones', { shape: [1, 2, 2], batchSize: 4000, numClasses: 7 });
  const counts = new Array<number>(7).fill(0);
  tidy(() => {
    const { inputs, labels } = source.next();
    assert.ok(inputs.toArray().every((value) => value === 1));
    for (const label of labels.toArray()) counts[label]++;
  });
  assert.ok(uniformChiSquare(counts) < chiSquareQuantile(6, Z), `labels ${counts}`);
});

test('real wraps a loader and moves on to the next epoch when one is used up', () => {
  const n = 10;
  const dataset = ImageDataset.fromArrays({ pixels: Uint8Array.from({ length: n * 4 }, (_, i) => Math.floor(i / 4)), imageShape: [1, 2, 2], labels: Uint8Array.from({ length: n }, (_, i) => i) },
    { name: 'tiny', split: 'train', numClasses: 10, source: 'memory' });
  const loader = new DataLoader(dataset, { batchSize: 4, seed: 2 });
  const source = createInputSource('real', { loader });
  const labels = tidy(() => Array.from({ length: 6 }, () => source.next().labels.toArray()));
  const expected = [0, 1].flatMap((epoch) => [0, 1, 2].map((index) => Array.from(loader.order(epoch).subarray(index * 4, index * 4 + 4))));
  assert.deepEqual(labels, expected);
  dataset.dispose();
});

test('bad options give errors naming the option and value; next() leaks nothing', () => {
  assert.throws(() => createInputSource('gaussian' as never, { shape: [1, 2, 2], batchSize: 1, numClasses: 2 }), /unknown input source 'gaussian'; expected one of real, normal, sparse, chi, ones/);
  assert.throws(() => createInputSource('normal', { shape: [2, 2], batchSize: 1, numClasses: 2 }), /shape must be \[C, H, W\]/);
  assert.throws(() => createInputSource('normal', { shape: [3, 2, 2], batchSize: 1, numClasses: 2, mean: [0] }), /need 3 values \(one per channel\), got 1 and 3/);
  assert.throws(() => createInputSource('chi', { shape: [1, 2, 2], batchSize: 1, numClasses: 2, n: 0 }), /n must be a positive integer, got 0/);
  for (const kind of ['normal', 'sparse', 'chi', 'ones'] as const) {
    const source = createInputSource(kind, { shape: [1, 4, 4], batchSize: 3, numClasses: 2 });
    tidy(() => { source.next(); });
    const before = memoryStats();
    for (let i = 0; i < 5; i++) { const { inputs, labels } = source.next(); inputs.dispose(); labels.dispose(); }
    assert.deepEqual(memoryStats(), before, kind);
  }
});

// IMP's fixed random dataset (the authors' OpenLTH fork: FakeData-like): uniform uint8 pixels and uniform labels,
// fixed by the seed alone. Confidence: chi-square statistics below the Z = 5 quantile (about 3e-7 false failures).
test('random dataset: uniform pixels and labels, the same for a seed whatever libtorch\'s state, another for another seed', () => {
  const options = { shape: [3, 4, 5], count: 2000, numClasses: 10, seed: 7 };
  manualSeed(1);
  const first = randomImageDataset(options);
  manualSeed(2);
  const again = randomImageDataset(options);
  const other = randomImageDataset({ ...options, seed: 8 });
  try {
    assert.equal(first.length, 2000);
    assert.deepEqual(first.imageShape, [3, 4, 5]);
    assert.equal(first.numClasses, 10);
    const pixels = first.images.data() as Uint8Array;
    assert.deepEqual(again.images.data(), pixels);
    assert.deepEqual(again.labels.toArray(), first.labels.toArray());
    const differing = (other.images.data() as Uint8Array).reduce((sum, value, i) => sum + (value !== pixels[i] ? 1 : 0), 0);
    assert.ok(differing > 0.99 * pixels.length, `another seed changes ${differing} of ${pixels.length} pixels`);
    const pixelCounts = new Array<number>(256).fill(0);
    for (const value of pixels) pixelCounts[value]++;
    assert.ok(uniformChiSquare(pixelCounts) < chiSquareQuantile(255, Z), 'pixels uniform over 0..255');
    const labelCounts = new Array<number>(10).fill(0);
    for (const label of first.labelArray()) labelCounts[label]++;
    assert.ok(uniformChiSquare(labelCounts) < chiSquareQuantile(9, Z), `labels ${labelCounts}`);
    assert.throws(() => randomImageDataset({ ...options, count: 0 }), /count must be a positive integer, got 0/);
  } finally {
    for (const dataset of [first, again, other]) dataset.dispose();
  }
});
