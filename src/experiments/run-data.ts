// The data of one run: train/test batch sources for training, and the input source for data-dependent pruning
// scores (the real labelled data, or random normal/sparse/χ/ones inputs with random labels).
import {
  DataLoader, channelStats, cacheDir, createInputSource, getDataset, randomImageDataset, type ChannelStats,
  type ImageDataset, type InputSource,
} from '../data/index.js';
import { keep, manualSeed, randn, tidy, type Tensor } from '../torch/index.js';
import { PrefetchingBatches, TensorBatches, type BatchSource } from '../train/index.js';
import { resolvedInput, type RunSpec } from './run-spec.js';

export interface RunData {
  inputShape: [number, number, number];
  numClasses: number;
  train: BatchSource;
  test: BatchSource;
  /** Pruning inputs: a fresh source per call (the scorer draws batches from it). */
  pruningSource(): InputSource;
  /**
   * IMP's fixed random training set (the authors' OpenLTH fork): as many examples as the training split, of its
   * image shape, uniform pixels normalized with the real data's statistics, one random label each, drawn from
   * the run's seed; shuffled per epoch, not augmented. Made on first use.
   */
  randomTrain(): BatchSource;
  dispose(): void;
}

/** Loads (or synthesizes) the run's dataset; inputs are normalized by the training split's channel statistics. */
export function loadRunData(spec: RunSpec): RunData {
  return spec.dataset === 'synthetic' ? syntheticData(spec) : realData(spec);
}

function realData(spec: RunSpec): RunData {
  const entry = getDataset(spec.dataset);
  const options = { ...(spec.data.root ? { dir: spec.data.root } : {}) };
  const fullTrain = entry.load('train', options);
  const stats: ChannelStats = channelStats(fullTrain, cacheDir());
  const train = takeFirst(fullTrain, spec.data.trainSubset, true);
  const test = takeFirst(entry.load('test', options), spec.data.testSubset);
  const augment = spec.data.augment === 'on' || (spec.data.augment === 'auto' && entry.inputShape[0] === 3);
  const staged = stager(spec);
  const trainLoader = staged(capSteps(new DataLoader(train, { batchSize: spec.train.batchSize, shuffle: true, seed: spec.seed, augment, normalize: stats }), spec.train.maxStepsPerEpoch));
  const testLoader = staged(new DataLoader(test, { batchSize: 1000, shuffle: false, normalize: stats }));
  const numClasses = entry.numClasses;
  const inputShape = [...train.imageShape] as [number, number, number];
  const random = lazyRandom(spec, inputShape, train.length, numClasses, stats);
  return {
    inputShape, numClasses, train: trainLoader, test: testLoader,
    pruningSource: () => pruningInputs(spec, inputShape, numClasses,
      () => new DataLoader(train, { batchSize: spec.pruning.batchSize, shuffle: true, seed: spec.seed + 7919, augment: false, normalize: stats })),
    randomTrain: random.get,
    dispose: () => { staged.dispose(); train.dispose(); test.dispose(); if (train !== fullTrain) fullTrain.dispose(); random.dispose(); },
  };
}

/**
 * Synthetic classification for tests and smoke runs: 1×8×8 Gaussian images labelled by the argmax of a fixed
 * random linear map, so a small network learns it well above chance.
 */
function syntheticData(spec: RunSpec): RunData {
  const inputShape: [number, number, number] = [1, 8, 8];
  const numClasses = 4;
  const trainCount = spec.data.trainSubset || 2048;
  const testCount = spec.data.testSubset || 512;
  const [trainInputs, trainLabels, testInputs, testLabels] = tidy(() => {
    manualSeed(1234567); // the task is fixed; the run's seed only changes init, order and pruning
    const teacher = randn([64, numClasses]);
    const make = (n: number): [Tensor, Tensor] => {
      const x = randn([n, ...inputShape]);
      return [x, x.reshape([n, 64]).matmul(teacher).argmax(1)];
    };
    return [...make(trainCount), ...make(testCount)].map((t) => keep(t));
  }) as [Tensor, Tensor, Tensor, Tensor];
  const train = new TensorBatches(trainInputs, trainLabels, { batchSize: spec.train.batchSize, seed: spec.seed });
  const test = new TensorBatches(testInputs, testLabels, { batchSize: 512, shuffle: false });
  const pruningTrain = new TensorBatches(trainInputs, trainLabels, { batchSize: spec.pruning.batchSize, seed: spec.seed + 7919 });
  for (const t of [trainInputs, trainLabels, testInputs, testLabels]) t.dispose();
  const staged = stager(spec);
  // the synthetic inputs are N(0, 1): the random pixels are normalized to mean 0 and std 1 as well
  const unitStats: ChannelStats = { mean: [127.5 / 255], std: [Math.sqrt((256 ** 2 - 1) / 12) / 255] };
  const random = lazyRandom(spec, inputShape, trainCount, numClasses, unitStats);
  return {
    inputShape, numClasses, train: staged(capSteps(train, spec.train.maxStepsPerEpoch)), test: staged(test),
    pruningSource: () => pruningInputs(spec, inputShape, numClasses, () => pruningTrain),
    randomTrain: random.get,
    dispose: () => { staged.dispose(); train.dispose(); test.dispose(); pruningTrain.dispose(); random.dispose(); },
  };
}

function pruningInputs(spec: RunSpec, inputShape: [number, number, number], numClasses: number, loader: () => BatchSource): InputSource {
  const kind = resolvedInput(spec.pruning);
  if (kind === 'real') {
    const source = loader();
    let epoch = 0;
    let index = 0;
    // The real source reads a BatchSource: walk its batches, moving to the next epoch when one is used up.
    return {
      kind: 'real',
      next: () => {
        if (index >= source.length) { epoch += 1; index = 0; }
        const batch = source.batch(epoch, index++);
        return { inputs: batch.inputs, labels: batch.labels };
      },
    };
  }
  // Inputs are normalized, so the data has mean 0 and std 1 per channel: the defaults of the synthetic sources.
  return createInputSource(kind, { shape: inputShape, batchSize: spec.pruning.batchSize, numClasses, n: spec.pruning.chiDimension });
}

/**
 * For a run off the CPU: batch sources whose batches are staged in pinned memory and copied to the device
 * while the previous step runs (PrefetchingBatches); on the CPU the sources as they are.
 */
function stager(spec: RunSpec): ((source: BatchSource) => BatchSource) & { dispose(): void } {
  const made: PrefetchingBatches[] = [];
  const stage = (source: BatchSource): BatchSource => {
    if (spec.device === 'cpu') return source;
    const wrapped = new PrefetchingBatches(source, { device: spec.device });
    made.push(wrapped);
    return wrapped;
  };
  return Object.assign(stage, { dispose: () => { for (const wrapped of made) wrapped.dispose(); } });
}

/** The fixed random training set, made on first use (see RunData.randomTrain). */
function lazyRandom(spec: RunSpec, inputShape: [number, number, number], count: number, numClasses: number, stats: ChannelStats) {
  let dataset: ImageDataset | null = null;
  let source: BatchSource | null = null;
  return {
    get: (): BatchSource => {
      if (!source) {
        dataset = randomImageDataset({ shape: inputShape, count, numClasses, seed: spec.seed });
        source = capSteps(new DataLoader(dataset, { batchSize: spec.train.batchSize, shuffle: true, seed: spec.seed, augment: false, normalize: stats }), spec.train.maxStepsPerEpoch);
      }
      return source;
    },
    dispose: () => { dataset?.dispose(); dataset = null; source = null; },
  };
}

/** A BatchSource limited to its first `maxSteps` batches per epoch (0 = no limit). */
function capSteps<T extends BatchSource>(source: T, maxSteps: number): BatchSource & { dispose?: () => void } {
  if (maxSteps === 0 || maxSteps >= source.length) return source;
  return { length: maxSteps, batch: (epoch, index) => source.batch(epoch, index), seed: source.seed };
}

/** The first `count` examples (0 = all); a copy, so the full split is freed unless it is `keepFull`. */
function takeFirst(dataset: ImageDataset, count: number, keepFull = false): ImageDataset {
  if (count === 0 || count >= dataset.length) return dataset;
  const subset = dataset.subset(Int32Array.from({ length: count }, (_, i) => i));
  if (!keepFull) dataset.dispose();
  return subset;
}
