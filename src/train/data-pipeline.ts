// The one data pipeline of a run, shared by `sketchprune prune`, `sketchprune train` (runTraining) and the
// experiments' executor (`sketchprune run`): from a small description it loads the dataset (or synthesizes one),
// computes or reads the cached channel statistics of the full training split, takes the requested subsets, builds
// the train/test batch sources (staged to the device with PrefetchingBatches off the CPU) and the pruning input
// source, and frees all of it in dispose().
import {
  DataLoader, cacheDir, channelStats, createInputSource, getDataset, randomImageDataset, type ChannelStats,
  type ImageDataset, type InputSource, type InputSourceKind,
} from '../data/index.js';
import { keep, manualSeed, randn, tidy, type Device, type Tensor } from '../torch/index.js';
import { TensorBatches, type BatchSource, type TensorBatchesOptions } from './batches.js';
import { PrefetchingBatches } from './prefetch.js';

export interface DataDescription {
  /** A registry dataset (fashion-mnist, mnist, cifar10, cifar100, tiny-imagenet) or 'synthetic'. */
  dataset: string;
  /** Dataset directory (null or empty: the standard locations). */
  root?: string | null;
  /** Accept dataset files shorter than the official release (small fixtures, partial files). */
  allowSubset?: boolean;
  /** Use only the first N training / test examples (0 or absent = all; synthetic: 2048 / 512). */
  trainSubset?: number;
  testSubset?: number;
  /** Seed of the training order and augmentation (and of the fixed random training set). */
  seed: number;
  /** Where training and test batches go: staged and prefetched there (PrefetchingBatches) when not the CPU. */
  device: Device;
  /** Training batches (absent: none, and the training split is read only for statistics and pruning). */
  train?: {
    batchSize: number;
    /** auto: crop+flip for colour datasets (default). */
    augment?: 'auto' | 'on' | 'off';
    /** At most this many batches per epoch (0 or absent = all). */
    maxStepsPerEpoch?: number;
  } | null;
  /** Test batches (absent: the test split is not read). */
  test?: { batchSize: number } | null;
  /**
   * The pruning scorers' input: 'real' = batches of the training subset (no augmentation, in the order of this
   * `seed`), or a synthetic source (normal, sparse, chi, ones; random labels) of the dataset's shape. Absent: none.
   */
  pruning?: { input: InputSourceKind; batchSize: number; seed: number; chiDimension?: number } | null;
  /**
   * Data-parallel training: the train batch is the global one and each rank loads its rows of it straight onto
   * `device` (DataLoader's device), without prefetching.
   */
  dataParallel?: boolean;
}

/** What a run's data is: shape, classes, statistics and sizes. */
export interface DataFacts {
  /** The dataset's name ('synthetic' for the synthetic task). */
  name: string;
  inputShape: [number, number, number];
  numClasses: number;
  /** The normalization statistics (of the full training split). */
  stats: ChannelStats;
  /** Whether training batches are augmented (crop + flip). */
  augmented: boolean;
  /** Examples used for training and testing (after the subsets). */
  trainExamples: number;
  testExamples: number;
}

export interface RunData extends DataFacts {
  /** Training batches (throws unless the description asks for them). */
  readonly train: BatchSource;
  /** Test batches (throws unless the description asks for them). */
  readonly test: BatchSource;
  /** The loader of real pruning batches (input 'real' on a registry dataset), which prune() takes as input.loader. */
  readonly pruningLoader: DataLoader | null;
  /** Pruning inputs: a fresh source per call (the scorer draws batches from it). */
  pruningSource(): InputSource;
  /**
   * IMP's fixed random training set (the authors' OpenLTH fork): as many examples as the training split, of its
   * image shape, uniform pixels normalized with the data's statistics, one random label each, drawn from the seed;
   * shuffled per epoch, not augmented. Made on first use.
   */
  randomTrain(): BatchSource;
  /** Frees the datasets, batch sources and staging buffers. */
  dispose(): void;
}

/** The input shape and class count of a dataset name (a registry dataset or 'synthetic'), without loading it. */
export function datasetShape(name: string): { name: string; inputShape: [number, number, number]; numClasses: number } {
  if (name === 'synthetic') return { name, inputShape: [...syntheticShape], numClasses: syntheticClasses };
  const entry = getDataset(name);
  return { name: entry.name, inputShape: [...entry.inputShape], numClasses: entry.numClasses };
}

/** Loads (or synthesizes) the described data; inputs are normalized by the training split's channel statistics. */
export function openRunData(description: DataDescription): RunData {
  const d = description;
  for (const [what, value] of [['trainSubset', d.trainSubset], ['testSubset', d.testSubset], ['train.maxStepsPerEpoch', d.train?.maxStepsPerEpoch]] as const) {
    if (value !== undefined && (!Number.isSafeInteger(value) || value < 0)) throw new RangeError(`${what} must be a non-negative integer, got ${value}`);
  }
  return d.dataset === 'synthetic' ? syntheticData(d) : realData(d);
}

/** What each dataset kind hands to assemble(): its facts and unstaged batch sources. */
interface Splits extends DataFacts {
  train: BatchSource | null;
  test: BatchSource | null;
  pruning: BatchSource | null;
  pruningLoader: DataLoader | null;
  dispose(): void;
}

function realData(d: DataDescription): RunData {
  const entry = getDataset(d.dataset);
  const options = { ...(d.root ? { dir: d.root } : {}), ...(d.allowSubset ? { allowSubset: true } : {}) };
  const owned: ImageDataset[] = [];
  try {
    const fullTrain = entry.load('train', options);
    owned.push(fullTrain);
    const stats = channelStats(fullTrain, cacheDir());
    const train = firstExamples(fullTrain, d.trainSubset ?? 0, owned);
    const test = d.test ? firstExamples(own(entry.load('test', options), owned), d.testSubset ?? 0, owned) : null;
    const augmented = d.train?.augment === 'on' || ((d.train?.augment ?? 'auto') === 'auto' && entry.inputShape[0] === 3);
    const onRank = d.dataParallel && d.device !== 'cpu' ? { device: d.device } : {};
    const pruningLoader = d.pruning?.input === 'real'
      ? new DataLoader(train, { batchSize: d.pruning.batchSize, shuffle: true, seed: d.pruning.seed, augment: false, normalize: stats })
      : null;
    return assemble(d, {
      name: entry.name, inputShape: [...train.imageShape] as [number, number, number], numClasses: entry.numClasses, stats, augmented,
      trainExamples: train.length, testExamples: test?.length ?? 0,
      train: d.train ? new DataLoader(train, { batchSize: d.train.batchSize, shuffle: true, seed: d.seed, augment: augmented, normalize: stats, ...onRank }) : null,
      test: test && d.test ? new DataLoader(test, { batchSize: d.test.batchSize, shuffle: false, normalize: stats, ...onRank }) : null,
      pruning: pruningLoader, pruningLoader,
      dispose: () => { for (const dataset of owned.splice(0)) dataset.dispose(); },
    });
  } catch (error) {
    for (const dataset of owned) dataset.dispose();
    throw error;
  }
}

const syntheticShape: [number, number, number] = [1, 8, 8];
const syntheticClasses = 4;

/**
 * Synthetic classification for tests and smoke runs: 1×8×8 Gaussian images labelled by the argmax of a fixed
 * random linear map, so a small network learns it well above chance.
 */
function syntheticData(d: DataDescription): RunData {
  const inputShape = syntheticShape;
  const trainCount = d.trainSubset || 2048;
  const testCount = d.testSubset || 512;
  const [trainInputs, trainLabels, testInputs, testLabels] = tidy(() => {
    manualSeed(1234567); // the task is fixed; the run's seed only changes init, order and pruning
    const teacher = randn([64, syntheticClasses]);
    const make = (n: number): [Tensor, Tensor] => {
      const x = randn([n, ...inputShape]);
      return [x, x.reshape([n, 64]).matmul(teacher).argmax(1)];
    };
    return [...make(trainCount), ...make(testCount)].map((t) => keep(t));
  }) as [Tensor, Tensor, Tensor, Tensor];
  const made: TensorBatches[] = [];
  const batches = (inputs: Tensor, labels: Tensor, options: TensorBatchesOptions) => {
    const source = new TensorBatches(inputs, labels, options);
    made.push(source);
    return source;
  };
  try {
    const train = d.train ? batches(trainInputs, trainLabels, { batchSize: d.train.batchSize, seed: d.seed }) : null;
    const test = d.test ? batches(testInputs, testLabels, { batchSize: d.test.batchSize, shuffle: false }) : null;
    const pruning = d.pruning?.input === 'real' ? batches(trainInputs, trainLabels, { batchSize: d.pruning.batchSize, seed: d.pruning.seed }) : null;
    return assemble(d, {
      name: 'synthetic', inputShape, numClasses: syntheticClasses,
      // the synthetic inputs are N(0, 1): the random pixels are normalized to mean 0 and std 1 as well
      stats: { mean: [127.5 / 255], std: [Math.sqrt((256 ** 2 - 1) / 12) / 255] },
      augmented: false, trainExamples: trainCount, testExamples: d.test ? testCount : 0,
      train, test, pruning, pruningLoader: null,
      dispose: () => { for (const source of made.splice(0)) source.dispose(); },
    });
  } catch (error) {
    for (const source of made) source.dispose();
    throw error;
  } finally {
    for (const t of [trainInputs, trainLabels, testInputs, testLabels]) t.dispose(); // the sources hold copies
  }
}

/** The RunData of either kind: staging, step caps, pruning sources, the random training set, disposal. */
function assemble(d: DataDescription, splits: Splits): RunData {
  const staging: PrefetchingBatches[] = [];
  // Off the CPU, batches are staged in pinned memory and the next one prepared while a step runs. Data-parallel
  // ranks load their rows onto the device in the loader itself.
  const staged = (source: BatchSource): BatchSource => {
    if (d.device === 'cpu' || d.dataParallel) return source;
    const wrapped = new PrefetchingBatches(source, { device: d.device });
    staging.push(wrapped);
    return wrapped;
  };
  const maxSteps = d.train?.maxStepsPerEpoch ?? 0;
  const train = splits.train ? staged(capSteps(splits.train, maxSteps)) : null;
  const test = splits.test ? staged(splits.test) : null;
  let random: { dataset: ImageDataset; source: BatchSource } | null = null;
  const missing = (what: string): never => { throw new Error(`openRunData: the description asks for no ${what} batches`); };
  return {
    name: splits.name, inputShape: splits.inputShape, numClasses: splits.numClasses, stats: splits.stats,
    augmented: splits.augmented, trainExamples: splits.trainExamples, testExamples: splits.testExamples,
    get train() { return train ?? missing('training'); },
    get test() { return test ?? missing('test'); },
    pruningLoader: splits.pruningLoader,
    pruningSource: () => {
      const p = d.pruning ?? missing('pruning');
      if (p.input === 'real') return createInputSource('real', { loader: splits.pruning! });
      // Inputs are normalized, so the data has mean 0 and std 1 per channel: the defaults of the synthetic sources.
      return createInputSource(p.input, { shape: splits.inputShape, batchSize: p.batchSize, numClasses: splits.numClasses, n: p.chiDimension });
    },
    randomTrain: () => {
      if (!random) {
        const batchSize = d.train?.batchSize ?? missing('training');
        const dataset = randomImageDataset({ shape: splits.inputShape, count: splits.trainExamples, numClasses: splits.numClasses, seed: d.seed });
        random = { dataset, source: capSteps(new DataLoader(dataset, { batchSize, shuffle: true, seed: d.seed, augment: false, normalize: splits.stats }), maxSteps) };
      }
      return random.source;
    },
    dispose: () => {
      for (const wrapped of staging.splice(0)) wrapped.dispose();
      random?.dataset.dispose();
      random = null;
      splits.dispose();
    },
  };
}

/** A BatchSource limited to its first `maxSteps` batches per epoch (0 = no limit). */
function capSteps(source: BatchSource, maxSteps: number): BatchSource {
  if (maxSteps === 0 || maxSteps >= source.length) return source;
  return {
    length: maxSteps, seed: source.seed, batch: (epoch, index, rows) => source.batch(epoch, index, rows),
    ...(source.rowsIn ? { rowsIn: (index: number) => source.rowsIn!(index) } : {}),
  };
}

/** The first `count` examples (0 = all): a copy, and the full split is freed (its statistics are taken). */
function firstExamples(dataset: ImageDataset, count: number, owned: ImageDataset[]): ImageDataset {
  if (count === 0 || count >= dataset.length) return dataset;
  const subset = own(dataset.subset(Int32Array.from({ length: count }, (_, i) => i)), owned);
  owned.splice(owned.indexOf(dataset), 1);
  dataset.dispose();
  return subset;
}

function own(dataset: ImageDataset, owned: ImageDataset[]): ImageDataset {
  owned.push(dataset);
  return dataset;
}
