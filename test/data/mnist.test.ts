import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { readIdxDataset } from '../../src/data/mnist.js';
import { loadDataset } from '../../src/data/registry.js';
import { pseudoBytes, removeDir, tempDir, writeIdx, writeMnistDir } from './fixtures.js';
import { assertFileError } from './helpers.js';

const root = tempDir();
after(() => removeDir(root));
const options = { name: 'fashion-mnist', numClasses: 10, imageSize: [28, 28] as [number, number], expectedCount: null };

test('gzipped and raw IDX datasets read back every pixel and label exactly, as uint8 [N,1,28,28] and int64', () => {
  for (const gzip of [true, false]) {
    const fixture = writeMnistDir(path.join(root, `exact-${gzip}`), { train: 12, test: 5 }, gzip);
    for (const split of ['train', 'test'] as const) {
      const dataset = readIdxDataset(fixture.dir, split, options);
      assert.deepEqual(dataset.images.shape, [fixture.labels[split].length, 1, 28, 28]);
      assert.equal(dataset.images.dtype, 'uint8');
      assert.equal(dataset.labels.dtype, 'int64');
      assert.deepEqual(dataset.images.toArray(), Array.from(fixture.images[split]));
      assert.deepEqual(dataset.labels.toArray(), Array.from(fixture.labels[split]));
      assert.equal(dataset.info.split, split);
      dataset.dispose();
    }
  }
});

test('the registry finds the data through the option, the dataset variable and SKETCHPRUNE_DATA', () => {
  const fixture = writeMnistDir(path.join(root, 'registry', 'mnist'), { train: 6, test: 4 });
  const check = (dataset: ReturnType<typeof loadDataset>) => {
    assert.deepEqual(dataset.labels.toArray(), Array.from(fixture.labels.test));
    dataset.dispose();
  };
  check(loadDataset('mnist', 'test', { dir: fixture.dir, allowSubset: true, env: {} }));
  check(loadDataset('mnist', 'test', { env: { MNIST_DIR: fixture.dir }, allowSubset: true }));
  check(loadDataset('mnist', 'test', { env: { SKETCHPRUNE_DATA: path.join(root, 'registry') }, allowSubset: true }));
  // without allowSubset the release's size is required
  assertFileError(() => loadDataset('mnist', 'test', { dir: fixture.dir, env: {} }),
    path.join(fixture.dir, 't10k-images-idx3-ubyte.gz'), /holds 4 images, the mnist test split has 10,000 \(pass allowSubset/);
});

test('a label out of range names the label file, the label and its index', () => {
  const dir = path.join(root, 'bad-label');
  writeMnistDir(dir, { train: 4, test: 3 });
  const labelFile = path.join(dir, 't10k-labels-idx1-ubyte.gz');
  writeIdx(labelFile, [3], Uint8Array.of(1, 10, 2), { gzip: true });
  assertFileError(() => readIdxDataset(dir, 'test', options), labelFile, /label 10 out of range \[0, 10\) at index 1/);
});

test('image and label counts must agree; image size must be 28×28', () => {
  const dir = path.join(root, 'mismatch');
  writeMnistDir(dir, { train: 4, test: 3 });
  const labelFile = path.join(dir, 't10k-labels-idx1-ubyte.gz');
  writeIdx(labelFile, [2], Uint8Array.of(1, 2), { gzip: true });
  assertFileError(() => readIdxDataset(dir, 'test', options), labelFile, /holds 2 labels but .*t10k-images-idx3-ubyte.gz holds 3 images/);
  const imageFile = path.join(dir, 'train-images-idx3-ubyte.gz');
  writeIdx(imageFile, [4, 32, 32], pseudoBytes(4 * 1024, 1), { gzip: true });
  assertFileError(() => readIdxDataset(dir, 'train', options), imageFile, /wrong image size 32×32, fashion-mnist images are 28×28/);
});

test('missing image or label files are named', () => {
  const dir = path.join(root, 'missing');
  writeMnistDir(dir, { train: 4, test: 3 });
  fs.rmSync(path.join(dir, 't10k-labels-idx1-ubyte.gz'));
  assertFileError(() => readIdxDataset(dir, 'test', options), path.join(dir, 't10k-labels-idx1-ubyte.gz'), /^missing file \(also looked for t10k-labels-idx1-ubyte,/);
  const empty = path.join(root, 'empty');
  fs.mkdirSync(empty);
  assertFileError(() => readIdxDataset(empty, 'train', options), path.join(empty, 'train-images-idx3-ubyte.gz'), /^missing file/);
});

test('subset copies the chosen examples in order', () => {
  const fixture = writeMnistDir(path.join(root, 'subset'), { train: 8, test: 3 });
  const dataset = readIdxDataset(fixture.dir, 'train', options);
  const part = dataset.subset([5, 0, 5]);
  assert.deepEqual(part.labels.toArray(), [5, 0, 5].map((i) => fixture.labels.train[i]));
  assert.deepEqual(part.images.toArray().slice(784, 1568), Array.from(fixture.images.train.subarray(0, 784)));
  assert.throws(() => dataset.subset([8]), /index 8 out of range \[0, 8\)/);
  part.dispose();
  dataset.dispose();
});
