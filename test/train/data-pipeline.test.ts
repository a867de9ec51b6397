// The one data pipeline (train/data-pipeline.ts) behind `prune`, `train` and `run`: statistics, subsets,
// normalized batches and augmentation checked against the fixture's bytes; the synthetic task against its own
// recomputation; the device reaching the stager from each command's flags; the same batches from all three
// entry points for the same flags; everything freed by dispose().
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { removeDir, tempDir, writeCifar10Dir, writeMnistDir } from '../data/fixtures.js';
import { DataLoader } from '../../src/data/index.js';
import { PrefetchingBatches, openRunData, trainingData, type DataDescription, type RunData, type TrainingSpec } from '../../src/train/index.js';
import { manualSeed, memoryStats, randn, setNumThreads, tidy, type Tensor } from '../../src/torch/index.js';
import { runDataDescription } from '../../src/experiments/run-data.js';
import { validateRunSpec } from '../../src/experiments/index.js';
import { pruneData } from '../../src/cli/prune.js';
import { trainData } from '../../src/cli/train.js';

setNumThreads(1);
const root = tempDir('sketchprune-pipeline-');
process.env.SKETCHPRUNE_CACHE = path.join(root, 'cache');
after(() => removeDir(root));
const cifarDir = path.join(root, 'cifar10');
const cifar = writeCifar10Dir(cifarDir, 4); // 20 training records (5 files of 4), 4 test records
const mnistDir = path.join(root, 'mnist');
const mnist = writeMnistDir(mnistDir, { train: 12, test: 5 });

/** Per-channel mean and population std of pixel/255 over CHW records, computed here from the bytes. */
function statsOf(pixels: Uint8Array, channels: number, plane: number): { mean: number[]; std: number[] } {
  const count = pixels.length / (channels * plane);
  const mean: number[] = [];
  const std: number[] = [];
  for (let c = 0; c < channels; c++) {
    let sum = 0;
    let squares = 0;
    for (let r = 0; r < count; r++) {
      for (let k = 0; k < plane; k++) { const v = pixels[(r * channels + c) * plane + k] / 255; sum += v; squares += v * v; }
    }
    const m = sum / (count * plane);
    mean.push(m);
    std.push(Math.sqrt(squares / (count * plane) - m * m));
  }
  return { mean, std };
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    if (!(Math.abs(actual[i] - expected[i]) <= tolerance)) assert.fail(`${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

/** Inputs and labels of batch (epoch, index) as plain arrays. */
function batchArrays(source: { batch(epoch: number, index: number): { inputs: Tensor; labels: Tensor } }, epoch: number, index: number) {
  return tidy(() => {
    const batch = source.batch(epoch, index);
    return { inputs: Array.from(batch.inputs.data() as Float32Array), labels: batch.labels.toArray() };
  });
}

const cifarTrainPixels = Uint8Array.from(cifar.train.flatMap((file) => Array.from(file.pixels)));
const cifarTrainLabels = cifar.train.flatMap((file) => Array.from(file.labels));

test('a registry dataset: statistics of the full training split (cached), first-N subsets, normalized batches, crop+flip for colour', () => {
  const data = openRunData({
    dataset: 'cifar10', root: cifarDir, allowSubset: true, trainSubset: 6, testSubset: 3, seed: 5, device: 'cpu',
    train: { batchSize: 4 }, test: { batchSize: 2 },
  });
  try {
    const expected = statsOf(cifarTrainPixels, 3, 1024); // all 20 records, not the 6 trained on
    assertClose(data.stats.mean, expected.mean, 1e-12, 'mean');
    assertClose(data.stats.std, expected.std, 1e-12, 'std');
    assert.equal(fs.readdirSync(path.join(root, 'cache', 'stats')).filter((f) => f.startsWith('cifar10-')).length, 1);
    assert.deepEqual([data.name, data.inputShape, data.numClasses, data.trainExamples, data.testExamples, data.augmented],
      ['cifar10', [3, 32, 32], 10, 6, 3, true]);
    assert.deepEqual([data.train.length, data.test.length], [2, 2]);
    // the test split unshuffled and not augmented: (pixel/255 − mean_c) / std_c of its first records
    const first = batchArrays(data.test, 0, 0);
    const normalized = Array.from(cifar.test.pixels.subarray(0, 2 * 3072), (v, i) => {
      const c = Math.floor(i / 1024) % 3;
      return (v / 255 - expected.mean[c]) / expected.std[c];
    });
    assertClose(first.inputs, normalized, 1e-5, 'test batch');
    assert.deepEqual(first.labels, Array.from(cifar.test.labels.subarray(0, 2)));
    assert.deepEqual(batchArrays(data.test, 0, 1).labels, [cifar.test.labels[2]]);
    // an epoch of training batches holds exactly the first 6 examples' labels, shuffled
    const labels = [0, 1].flatMap((i) => batchArrays(data.train, 0, i).labels);
    assert.deepEqual([...labels].sort(), cifarTrainLabels.slice(0, 6).sort());
  } finally {
    data.dispose();
  }
});

test('grey-scale data is not augmented by default; an epoch of batches is a permutation of the normalized split', () => {
  const data = openRunData({ dataset: 'fashion-mnist', root: mnistDir, allowSubset: true, seed: 2, device: 'cpu', train: { batchSize: 5 } });
  try {
    assert.equal(data.augmented, false);
    const { mean, std } = statsOf(mnist.images.train, 1, 784);
    const epoch = [0, 1, 2].map((i) => batchArrays(data.train, 1, i));
    const sum = epoch.reduce((total, batch) => total + batch.inputs.reduce((a, b) => a + b, 0), 0);
    const expected = Array.from(mnist.images.train).reduce((total, v) => total + (v / 255 - mean[0]) / std[0], 0);
    assert.ok(Math.abs(sum - expected) < 1e-3, `${sum} vs ${expected}`);
    assert.deepEqual(epoch.flatMap((b) => b.labels).sort(), Array.from(mnist.labels.train).sort());
    assert.throws(() => data.test, /asks for no test batches/);
  } finally {
    data.dispose();
  }
});

test('the synthetic task: Gaussian 1×8×8 images labelled by a fixed linear teacher, whatever the seed', () => {
  const data = openRunData({ dataset: 'synthetic', trainSubset: 40, testSubset: 24, seed: 9, device: 'cpu', train: { batchSize: 8 }, test: { batchSize: 16 } });
  try {
    const [inputs, labels] = tidy(() => {
      manualSeed(1234567);
      const teacher = randn([64, 4]);
      randn([40, 1, 8, 8]); // the training images come first
      const x = randn([24, 1, 8, 8]);
      return [Array.from(x.data() as Float32Array), x.reshape([24, 64]).matmul(teacher).argmax(1).toArray()];
    });
    assert.deepEqual([data.inputShape, data.numClasses, data.trainExamples, data.testExamples, data.train.length], [[1, 8, 8], 4, 40, 24, 5]);
    const first = batchArrays(data.test, 0, 0);
    assertClose(first.inputs, inputs.slice(0, 16 * 64), 0, 'synthetic test inputs');
    assert.deepEqual(first.labels, labels.slice(0, 16));
  } finally {
    data.dispose();
  }
});

test('off the CPU the train and test sources are staged to the requested device; data-parallel loaders put rows there', () => {
  // No batch is drawn, so a device this machine lacks can be named: the string must reach the stager.
  const description: DataDescription = { dataset: 'synthetic', trainSubset: 16, testSubset: 8, seed: 0, device: 'cuda:1', train: { batchSize: 4 }, test: { batchSize: 4 } };
  const staged = openRunData(description);
  try {
    for (const source of [staged.train, staged.test]) {
      assert.ok(source instanceof PrefetchingBatches);
      assert.equal(source.device, 'cuda:1');
    }
  } finally {
    staged.dispose();
  }
  const onCpu = openRunData({ ...description, device: 'cpu' });
  try {
    assert.ok(!(onCpu.train instanceof PrefetchingBatches) && !(onCpu.test instanceof PrefetchingBatches));
  } finally {
    onCpu.dispose();
  }
  const ranks = openRunData({ dataset: 'cifar10', root: cifarDir, allowSubset: true, seed: 0, device: 'cuda:1', train: { batchSize: 4, maxStepsPerEpoch: 2 }, test: { batchSize: 4 }, dataParallel: true });
  try {
    for (const source of [ranks.train, ranks.test]) assert.ok(!(source instanceof PrefetchingBatches));
    assert.equal((ranks.test as DataLoader).device, 'cuda:1');
    // the step cap keeps a rank's row slicing (rowsIn and rows)
    assert.equal(ranks.train.length, 2);
    assert.equal(ranks.train.rowsIn?.(0), 4);
  } finally {
    ranks.dispose();
  }
});

test('each command builds its description from its flags: --device, --data-dir, --seed and subsets arrive', () => {
  const shared = ['--data-dir', cifarDir, '--device', 'cuda:1', '--seed', '3', '--batch-size', '4'];
  const prune = pruneData(['--model', 'conv2', '--method', 'snip', '--density', '0.1', '--dataset', 'cifar10', ...shared]);
  const train = trainData(['--model', 'conv2', '--dataset', 'cifar10', '--epochs', '1', '--lr', '0.1', '--limit-train', '7', '--augment', 'off', ...shared]);
  const run = runDataDescription(validateRunSpec({
    model: 'conv2', dataset: 'cifar10', seed: 3, device: 'cuda:1', density: 0.1, data: { root: cifarDir, trainSubset: 7, augment: 'off' },
    pruning: { method: 'snip', batchSize: 4 }, train: { epochs: 1, batchSize: 4, milestones: [] },
  }, 'inline'));
  for (const description of [prune, train, run]) {
    assert.ok(description !== null && description !== 'help');
    assert.deepEqual([description.dataset, description.root, description.device, description.seed], ['cifar10', cifarDir, 'cuda:1', 3]);
  }
  assert.deepEqual([(train as DataDescription).trainSubset, run.trainSubset], [7, 7]);
  assert.deepEqual([(train as DataDescription).train, run.train], [{ batchSize: 4, augment: 'off' }, { batchSize: 4, augment: 'off', maxStepsPerEpoch: 0 }]);
  assert.deepEqual((prune as DataDescription).pruning, { input: 'real', batchSize: 4, seed: 3 });
  // the defaults: the CPU, the standard locations, no data for a data-free scorer
  const plain = trainData(['--model', 'conv2', '--dataset', 'cifar10', '--epochs', '1', '--lr', '0.1', '--batch-size', '4']) as DataDescription;
  assert.deepEqual([plain.device, plain.root, plain.trainSubset], ['cpu', null, 0]);
  assert.equal(pruneData(['--model', 'conv2', '--method', 'synflow', '--density', '0.1', '--dataset', 'cifar10', '--device', 'cuda']), null);
  assert.equal((pruneData(['--model', 'conv2', '--method', 'grasp', '--density', '0.1', '--dataset', 'cifar10', '--device', 'cuda']) as DataDescription).device, 'cuda');
  // a data-parallel rank of `train`: its own GPU, the global batch
  const spec = { dataset: 'cifar10', dataDir: null, limitTrain: 0, limitTest: 0, seed: 0, device: 'cuda', batchSize: 4, augment: 'auto', testBatchSize: 100 } as unknown as TrainingSpec;
  assert.deepEqual(trainingData(spec, { worldSize: 2, localRank: 1 }), {
    dataset: 'cifar10', root: null, trainSubset: 0, testSubset: 0, seed: 0, device: 'cuda:1',
    train: { batchSize: 8, augment: 'auto' }, test: { batchSize: 100 }, dataParallel: true,
  });
  assert.throws(() => trainingData({ ...spec, limitTrain: -1 }), /--limit-train must be a non-negative integer, got -1/);
});

test('the same flags give the same statistics and batches through prune, train and run', () => {
  const shared = ['--data-dir', cifarDir, '--seed', '3', '--batch-size', '4'];
  const descriptions = [
    pruneData(['--model', 'conv2', '--method', 'snip', '--density', '0.1', '--dataset', 'cifar10', ...shared]),
    trainData(['--model', 'conv2', '--dataset', 'cifar10', '--epochs', '1', '--lr', '0.1', '--augment', 'off', ...shared]),
    runDataDescription(validateRunSpec({
      model: 'conv2', dataset: 'cifar10', seed: 3, density: 0.1, data: { root: cifarDir, augment: 'off' },
      pruning: { method: 'snip', batchSize: 4 }, train: { epochs: 1, batchSize: 4, milestones: [] },
    }, 'inline')),
  ] as DataDescription[];
  // the fixture is shorter than the release: accepted here, as the commands would the real files
  const opened: RunData[] = descriptions.map((description) => openRunData({ ...description, allowSubset: true }));
  try {
    const [prune, train, run] = opened;
    assert.deepEqual(prune.stats, train.stats);
    assert.deepEqual(run.stats, train.stats);
    // prune scores on the training split in the order of --seed: the batches `train` and `run` train on (no augmentation)
    for (const index of [0, 3]) {
      const reference = batchArrays(train.train, 0, index);
      assert.deepEqual(batchArrays(run.train, 0, index), reference);
      assert.deepEqual(batchArrays(prune.pruningLoader!, 0, index), reference);
    }
    assert.deepEqual(batchArrays({ batch: () => prune.pruningSource().next() }, 0, 0), batchArrays(train.train, 0, 0));
  } finally {
    for (const data of opened) data.dispose();
  }
});

test('dispose() frees every tensor the pipeline made: datasets, subsets, sources, the random training set', () => {
  const before = memoryStats().tensors;
  for (const dataset of ['cifar10', 'synthetic']) {
    const data = openRunData({
      dataset, root: cifarDir, allowSubset: true, trainSubset: 5, testSubset: 2, seed: 1, device: 'cpu',
      train: { batchSize: 2, maxStepsPerEpoch: 1 }, test: { batchSize: 2 }, pruning: { input: 'real', batchSize: 2, seed: 8 },
    });
    assert.ok(memoryStats().tensors > before);
    tidy(() => {
      data.train.batch(0, 0);
      data.test.batch(0, 0);
      data.pruningSource().next();
      data.randomTrain().batch(0, 0);
    });
    assert.equal(data.randomTrain().length, 1);
    data.dispose();
    assert.equal(memoryStats().tensors, before, `${dataset}: tensors left after dispose`);
  }
  // a subset is a copy, and the full split it came from is freed at once
  const bytes = (trainSubset: number) => {
    const data = openRunData({ dataset: 'cifar10', root: cifarDir, allowSubset: true, trainSubset, seed: 1, device: 'cpu' });
    try { return memoryStats().bytes; } finally { data.dispose(); }
  };
  assert.ok(bytes(0) - bytes(2) >= 18 * 3072, `${bytes(0)} vs ${bytes(2)}`);
});
