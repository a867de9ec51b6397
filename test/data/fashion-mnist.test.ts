// The real Fashion-MNIST (Debian's dataset-fashion-mnist), when installed; skipped otherwise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { getDataset, loadDataset } from '../../src/data/registry.js';
import { locateDataset } from '../../src/data/locate.js';
import { computeChannelStats } from '../../src/data/stats.js';
import { runPythonCode } from '../helpers/pytorch.js';

const located = locateDataset(getDataset('fashion-mnist').locate);
const present = located !== null && fs.existsSync(path.join(located.dir, 'train-images-idx3-ubyte.gz'));
const skip = present ? false : 'Fashion-MNIST is not installed (set FASHION_MNIST_DIR or install dataset-fashion-mnist)';

/** Image `index` (784 bytes) and its label, parsed by Python's gzip module: an independent reader. */
function pythonExample(dir: string, prefix: string, index: number): { pixels: number[]; label: number } {
  const script = `
import gzip, json, sys
d, p, i = sys.argv[1], sys.argv[2], int(sys.argv[3])
img = gzip.open(f"{d}/{p}-images-idx3-ubyte.gz").read()
lab = gzip.open(f"{d}/{p}-labels-idx1-ubyte.gz").read()
print(json.dumps({"pixels": list(img[16 + 784 * i:16 + 784 * (i + 1)]), "label": lab[8 + i]}))`;
  return JSON.parse(runPythonCode(script, [dir, prefix, String(index)]));
}

test('Fashion-MNIST: 60,000/10,000 examples, 6,000/1,000 per class, known mean/std, pixels as Python reads them', { skip }, () => {
  const train = loadDataset('fashion-mnist', 'train');
  const testSplit = loadDataset('fashion-mnist', 'test');
  assert.deepEqual(train.images.shape, [60000, 1, 28, 28]);
  assert.deepEqual(testSplit.images.shape, [10000, 1, 28, 28]);
  assert.deepEqual(train.classCounts(), new Array(10).fill(6000));
  assert.deepEqual(testSplit.classCounts(), new Array(10).fill(1000));
  // the widely quoted training-set statistics: mean 0.2860, std 0.3530
  const stats = computeChannelStats(train);
  assert.ok(Math.abs(stats.mean[0] - 0.2860) < 1e-4, `mean ${stats.mean[0]}`);
  assert.ok(Math.abs(stats.std[0] - 0.3530) < 1e-4, `std ${stats.std[0]}`);
  for (const [dataset, prefix, index] of [[train, 'train', 59999], [testSplit, 't10k', 0]] as const) {
    const expected = pythonExample(located!.dir, prefix, index);
    assert.deepEqual(dataset.images.select(0, index).toArray(), expected.pixels);
    assert.equal(dataset.labels.select(0, index).item(), expected.label);
  }
  train.dispose();
  testSplit.dispose();
});
