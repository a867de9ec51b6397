// Input sources for scorers that need data (DESIGN.md §5): the real dataset through a loader, or synthetic
// batches — `normal`, `sparse`, `chi`, `ones` — with uniformly random labels. Synthetic draws come from
// libtorch's global generator (seed it with manualSeed); each next() draws afresh.
import { F, full, ones, randint, randn, tensor, tidy, zeros, type Device, type Tensor } from '../torch/index.js';
import { ImageDataset } from './dataset.js';
import { Rng } from './prng.js';

export type InputSourceKind = 'real' | 'normal' | 'sparse' | 'chi' | 'ones';
export const inputSourceKinds: readonly InputSourceKind[] = ['real', 'normal', 'sparse', 'chi', 'ones'];

export interface InputBatch {
  /** [B, C, H, W] */
  inputs: Tensor;
  /** int64 [B] */
  labels: Tensor;
}

export interface InputSource {
  readonly kind: InputSourceKind;
  /** The next batch (fresh tensors: dispose them, or call inside tidy). */
  next(): InputBatch;
}

export interface SyntheticOptions {
  /** [C, H, W] of one input. */
  shape: [number, number, number] | number[];
  batchSize: number;
  /** Range of the random labels. */
  numClasses: number;
  /**
   * Per-channel mean and std of `normal` and `sparse` draws, in the space the model reads: the dataset's raw
   * statistics (pixel/255) for unnormalized inputs; for normalized inputs the data has mean 0 and std 1
   * (the defaults).
   */
  mean?: number[];
  std?: number[];
  /** Length of the normal vector whose norm each `chi` entry is (default 128, as in the paper). */
  n?: number;
  dtype?: 'float32' | 'float64';
  device?: Device;
}

export interface RealSourceOptions {
  /** A DataLoader, or any source of labelled batches by (epoch, index) with `length` batches per epoch. */
  loader: { readonly length: number; batch(epoch: number, index: number): InputBatch };
  /** Epoch to start from (default 0); the source moves to the next epoch when one is used up. */
  epoch?: number;
}

/** Creates an input source; `real` needs {loader}, the others SyntheticOptions. */
export function createInputSource(kind: 'real', options: RealSourceOptions): InputSource;
export function createInputSource(kind: Exclude<InputSourceKind, 'real'>, options: SyntheticOptions): InputSource;
export function createInputSource(kind: InputSourceKind, options: SyntheticOptions | RealSourceOptions): InputSource;
export function createInputSource(kind: InputSourceKind, options: SyntheticOptions | RealSourceOptions): InputSource {
  if (kind === 'real') return realSource(options as RealSourceOptions);
  if (!inputSourceKinds.includes(kind)) {
    throw new TypeError(`unknown input source '${String(kind)}'; expected one of ${inputSourceKinds.join(', ')}`);
  }
  const settings = checkSynthetic(kind, options as SyntheticOptions);
  const draw = { normal: drawNormal, sparse: drawSparse, chi: drawChi, ones: drawOnes }[kind];
  return {
    kind,
    next: () => tidy(() => {
      let inputs = draw(settings);
      let labels = randint(0, settings.numClasses, [settings.batchSize]);
      if (inputs.dtype !== settings.dtype) inputs = inputs.to(settings.dtype);
      if (settings.device !== 'cpu') { inputs = inputs.to(settings.device); labels = labels.to(settings.device); }
      return { inputs, labels };
    }),
  };
}

interface Settings {
  shape: [number, number, number];
  batchSize: number;
  numClasses: number;
  mean: number[];
  std: number[];
  n: number;
  dtype: 'float32' | 'float64';
  device: Device;
}

function checkSynthetic(kind: string, options: SyntheticOptions): Settings {
  const { shape, batchSize, numClasses } = options;
  if (!Array.isArray(shape) || shape.length !== 3 || shape.some((size) => !Number.isInteger(size) || size < 1)) {
    throw new TypeError(`${kind} input source: shape must be [C, H, W] of positive integers, got ${JSON.stringify(shape)}`);
  }
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`${kind} input source: batchSize must be a positive integer, got ${batchSize}`);
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new RangeError(`${kind} input source: numClasses must be a positive integer, got ${numClasses}`);
  const channels = shape[0];
  const mean = options.mean ?? new Array<number>(channels).fill(0);
  const std = options.std ?? new Array<number>(channels).fill(1);
  if (mean.length !== channels || std.length !== channels) {
    throw new RangeError(`${kind} input source: mean and std need ${channels} values (one per channel), got ${mean.length} and ${std.length}`);
  }
  if (std.some((s) => !(s >= 0))) throw new RangeError(`${kind} input source: std must be non-negative, got ${JSON.stringify(std)}`);
  const n = options.n ?? 128;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${kind} input source: n must be a positive integer, got ${n}`);
  return {
    shape: shape as [number, number, number], batchSize, numClasses, mean, std, n,
    dtype: options.dtype ?? 'float32', device: options.device ?? 'cpu',
  };
}

const perChannel = (values: number[]): Tensor => tensor(values, [1, values.length, 1, 1]);

/** i.i.d. N(mean_c, std_c²) entries. */
function drawNormal(s: Settings): Tensor {
  return randn([s.batchSize, ...s.shape]).mul(perChannel(s.std)).add(perChannel(s.mean));
}

/** For every position (c, h, w), one uniformly chosen example carries an N(mean_c, std_c²) draw; the rest are 0. */
function drawSparse(s: Settings): Tensor {
  const [channels, height, width] = s.shape;
  const positions = channels * height * width;
  const values = randn([1, channels, height, width]).mul(perChannel(s.std)).add(perChannel(s.mean)).reshape([1, positions]);
  const owners = randint(0, s.batchSize, [1, positions]);
  return zeros([s.batchSize, positions]).scatter(0, owners, values).reshape([s.batchSize, ...s.shape]);
}

/**
 * Each entry is ‖v‖ for v of n i.i.d. N(0, 1/n) draws: n‖v‖² is χ²_n = 2·Gamma(n/2, 1), so one gamma draw per
 * entry gives it exactly, instead of n normals.
 */
function drawChi(s: Settings): Tensor {
  const gamma = F.standardGamma(full([s.batchSize, ...s.shape], s.n / 2, { dtype: 'float64' }));
  return gamma.mul(2 / s.n).sqrt();
}

function drawOnes(s: Settings): Tensor {
  return ones([s.batchSize, ...s.shape]);
}

/** The loader's batches, epoch after epoch. */
function realSource(options: RealSourceOptions): InputSource {
  const { loader } = options;
  if (!loader || typeof loader.batch !== 'function') throw new TypeError('real input source: options.loader must be a DataLoader');
  let epoch = options.epoch ?? 0;
  let index = 0;
  return {
    kind: 'real',
    next: () => {
      if (index >= loader.length) { epoch++; index = 0; }
      const { inputs, labels } = loader.batch(epoch, index++);
      return { inputs, labels };
    },
  };
}

export interface RandomDatasetOptions {
  /** [C, H, W] of one image (the real dataset's). */
  shape: [number, number, number] | number[];
  /** Number of examples (the real training set's size). */
  count: number;
  numClasses: number;
  seed: number;
  /** Name in the dataset's info (default 'random'). */
  name?: string;
}

/**
 * A fixed random labelled dataset, as the authors' OpenLTH fork trains IMP on for "random data" (torchvision's
 * FakeData there): `count` images of uniformly random pixels 0..255 (uint8, so a loader normalizes them with the
 * real dataset's statistics like real images) and one uniformly random label per example, all drawn from `seed`
 * alone (data/prng, not libtorch's generator): the same seed gives the same dataset in every process.
 */
export function randomImageDataset(options: RandomDatasetOptions): ImageDataset {
  const { shape, count, numClasses, seed } = options;
  if (!Array.isArray(shape) || shape.length !== 3 || shape.some((size) => !Number.isInteger(size) || size < 1)) {
    throw new TypeError(`random dataset: shape must be [C, H, W] of positive integers, got ${JSON.stringify(shape)}`);
  }
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`random dataset: count must be a positive integer, got ${count}`);
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new RangeError(`random dataset: numClasses must be a positive integer, got ${numClasses}`);
  const pixels = new Uint8Array(count * shape[0] * shape[1] * shape[2]);
  const words = new Uint32Array(pixels.buffer, 0, Math.floor(pixels.length / 4));
  const pixelRng = new Rng(seed, 'random-dataset-pixels');
  for (let i = 0; i < words.length; i++) words[i] = pixelRng.nextUint32();
  for (let i = words.length * 4; i < pixels.length; i++) pixels[i] = pixelRng.nextUint32() & 0xff;
  const labelRng = new Rng(seed, 'random-dataset-labels');
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) labels[i] = labelRng.nextInt(numClasses);
  return ImageDataset.fromArrays({ pixels, imageShape: shape as [number, number, number], labels },
    { name: options.name ?? 'random', split: 'train', numClasses, source: `random (seed ${seed})` });
}
