import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ImageDataset } from '../../src/data/dataset.js';
import { channelStats, computeChannelStats } from '../../src/data/stats.js';
import { pseudoBytes, removeDir, tempDir } from './fixtures.js';

const root = tempDir();
after(() => removeDir(root));

function makeDataset(n: number, channels: number, size: number, seed: number, source = 'memory'): { dataset: ImageDataset; pixels: Uint8Array } {
  const pixels = pseudoBytes(n * channels * size * size, seed);
  const dataset = ImageDataset.fromArrays({ pixels, imageShape: [channels, size, size], labels: new Uint8Array(n) },
    { name: 'toy', split: 'train', numClasses: 10, source });
  return { dataset, pixels };
}

/** Mean and population std per channel by direct summation over the raw bytes. */
function bruteForce(pixels: Uint8Array, n: number, channels: number, plane: number): { mean: number[]; std: number[] } {
  const mean: number[] = [];
  const std: number[] = [];
  for (let c = 0; c < channels; c++) {
    let sum = 0;
    for (let i = 0; i < n; i++) for (let p = 0; p < plane; p++) sum += pixels[(i * channels + c) * plane + p] / 255;
    const average = sum / (n * plane);
    let squares = 0;
    for (let i = 0; i < n; i++) for (let p = 0; p < plane; p++) squares += (pixels[(i * channels + c) * plane + p] / 255 - average) ** 2;
    mean.push(average);
    std.push(Math.sqrt(squares / (n * plane)));
  }
  return { mean, std };
}

test('per-channel mean and std match direct summation (chunks smaller than the dataset)', () => {
  const { dataset, pixels } = makeDataset(37, 3, 8, 1);
  const expected = bruteForce(pixels, 37, 3, 64);
  const actual = computeChannelStats(dataset, 5);
  for (let c = 0; c < 3; c++) {
    assert.ok(Math.abs(actual.mean[c] - expected.mean[c]) < 1e-12, `mean ${c}`);
    assert.ok(Math.abs(actual.std[c] - expected.std[c]) < 1e-12, `std ${c}`);
  }
  // a constant channel has std 0
  const constant = ImageDataset.fromArrays({ pixels: new Uint8Array(2 * 16).fill(51), imageShape: [1, 4, 4], labels: new Uint8Array(2) },
    { name: 'flat', split: 'train', numClasses: 1, source: 'memory' });
  assert.deepEqual(computeChannelStats(constant), { mean: [0.2], std: [0] });
  dataset.dispose();
  constant.dispose();
});

test('statistics are cached as JSON, read back, and recomputed when the file is damaged', () => {
  const source = path.join(root, 'source.bin');
  fs.writeFileSync(source, 'stand-in for the dataset file');
  const { dataset } = makeDataset(10, 2, 4, 2, source);
  const cache = path.join(root, 'cache');
  const first = channelStats(dataset, cache);
  const files = fs.readdirSync(path.join(cache, 'stats'));
  assert.equal(files.length, 1);
  assert.match(files[0], /^toy-[0-9a-f]{16}\.json$/);
  const file = path.join(cache, 'stats', files[0]);
  const record = JSON.parse(fs.readFileSync(file, 'utf8'));
  assert.deepEqual(record.mean, first.mean);
  assert.equal(record.count, 10);
  // the cache is really read: a changed value in it comes back
  record.mean = [0.125, 0.25];
  fs.writeFileSync(file, JSON.stringify(record));
  assert.deepEqual(channelStats(dataset, cache).mean, [0.125, 0.25]);
  // a damaged file is recomputed and replaced
  fs.writeFileSync(file, '{ not json');
  assert.deepEqual(channelStats(dataset, cache), first);
  assert.deepEqual(JSON.parse(fs.readFileSync(file, 'utf8')).mean, first.mean);
  // a different source file (size/date) gives a different cache entry
  fs.writeFileSync(source, 'a different dataset file, longer');
  channelStats(dataset, cache);
  assert.equal(fs.readdirSync(path.join(cache, 'stats')).length, 2);
  dataset.dispose();
});

test('datasetStats: a cache hit needs no data; a changed data file invalidates the entry', async () => {
  const { datasetStats } = await import('../../src/data/registry.js');
  const { writeMnistDir, writeIdx } = await import('./fixtures.js');
  const fixture = writeMnistDir(path.join(root, 'mnist'), { train: 9, test: 2 });
  const cache = path.join(root, 'registry-cache');
  const options = { dir: fixture.dir, allowSubset: true, cache, env: {} };
  const expected = bruteForce(fixture.images.train, 9, 1, 784);
  const first = datasetStats('mnist', options);
  assert.ok(Math.abs(first.mean[0] - expected.mean[0]) < 1e-12 && Math.abs(first.std[0] - expected.std[0]) < 1e-12);
  const [file] = fs.readdirSync(path.join(cache, 'stats')).map((name) => path.join(cache, 'stats', name));
  const record = JSON.parse(fs.readFileSync(file, 'utf8'));
  assert.equal(record.count, 9);
  record.std = [0.5];
  fs.writeFileSync(file, JSON.stringify(record));
  assert.deepEqual(datasetStats('mnist', options).std, [0.5]);
  // new train images (different size): a new key, computed from the new data
  const pixels = new Uint8Array(3 * 784).fill(255);
  writeIdx(path.join(fixture.dir, 'train-images-idx3-ubyte.gz'), [3, 28, 28], pixels, { gzip: true });
  writeIdx(path.join(fixture.dir, 'train-labels-idx1-ubyte.gz'), [3], Uint8Array.of(0, 1, 2), { gzip: true });
  assert.deepEqual(datasetStats('mnist', options), { mean: [1], std: [0] });
});
