// Batches of an ImageDataset as float32 tensors. Everything random (order, crops, flips) comes from Rng streams
// keyed by (seed, epoch, batch index), so batch(epoch, i) is a pure function: a resumed run that starts at
// batch i of epoch e sees exactly the batches an uninterrupted run would have seen.
import { tensor, tidy, type Device, type Tensor } from '../torch/index.js';
import { cropFlip, drawCropFlip, normalize, toUnitRange } from './augment.js';
import type { ImageDataset } from './dataset.js';
import { Rng } from './prng.js';
import type { ChannelStats } from './stats.js';

export interface AugmentOptions {
  /** Zero padding before the random crop (CIFAR: 4). */
  padding?: number;
  /** Random horizontal flip with probability 1/2 (default true). */
  flip?: boolean;
}

export interface LoaderOptions {
  batchSize: number;
  /** Shuffle every epoch (default true). */
  shuffle?: boolean;
  /** Seed of the order and augmentation streams (default 0). */
  seed?: number;
  /** Random crop + flip; `true` means CIFAR's padding 4 with flips. Default: none. */
  augment?: boolean | AugmentOptions;
  /** Per-channel statistics to normalize with; without them inputs are pixel/255. */
  normalize?: ChannelStats | null;
  /** Drop the last incomplete batch (default false). */
  dropLast?: boolean;
  device?: Device;
}

export interface Batch {
  /** float32 [B, C, H, W] */
  inputs: Tensor;
  /** int64 [B] */
  labels: Tensor;
  epoch: number;
  index: number;
}

export class DataLoader {
  readonly dataset: ImageDataset;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly seed: number;
  readonly dropLast: boolean;
  readonly padding: number;
  readonly flip: boolean;
  readonly augmented: boolean;
  readonly stats: ChannelStats | null;
  readonly device: Device;
  #orderEpoch = -1;
  #order: Int32Array = new Int32Array(0);

  constructor(dataset: ImageDataset, options: LoaderOptions) {
    if (!Number.isInteger(options.batchSize) || options.batchSize < 1) {
      throw new RangeError(`DataLoader: batchSize must be a positive integer, got ${options.batchSize}`);
    }
    const seed = options.seed ?? 0;
    if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`DataLoader: seed must be a non-negative integer, got ${seed}`);
    this.dataset = dataset;
    this.batchSize = options.batchSize;
    this.shuffle = options.shuffle ?? true;
    this.seed = seed;
    this.dropLast = options.dropLast ?? false;
    const augment = options.augment === true ? {} : options.augment || null;
    this.augmented = augment !== null;
    this.padding = augment?.padding ?? 4;
    this.flip = augment?.flip ?? true;
    if (!Number.isInteger(this.padding) || this.padding < 0) throw new RangeError(`DataLoader: augment.padding must be a non-negative integer, got ${this.padding}`);
    this.stats = options.normalize ?? null;
    const channels = dataset.imageShape[0];
    if (this.stats && (this.stats.mean.length !== channels || this.stats.std.length !== channels || this.stats.std.some((s) => !(s > 0)))) {
      throw new RangeError(`DataLoader: normalize needs ${channels} means and ${channels} positive stds, got ` +
        `mean ${JSON.stringify(this.stats.mean)}, std ${JSON.stringify(this.stats.std)}`);
    }
    this.device = options.device ?? 'cpu';
  }

  /** Batches per epoch. */
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** The example order of an epoch: a permutation depending only on (seed, epoch), or 0..N-1 unshuffled. */
  order(epoch: number): Int32Array {
    return this.#orderOf(epoch).slice();
  }

  #orderOf(epoch: number): Int32Array {
    if (!Number.isSafeInteger(epoch) || epoch < 0) throw new RangeError(`DataLoader: epoch must be a non-negative integer, got ${epoch}`);
    if (epoch !== this.#orderEpoch) {
      const n = this.dataset.length;
      this.#order = this.shuffle ? new Rng(this.seed, 'shuffle', epoch).permutation(n) : Int32Array.from({ length: n }, (_, i) => i);
      this.#orderEpoch = epoch;
    }
    return this.#order;
  }

  /** Examples in batch `index` (the last one may be short). */
  rowsIn(index: number): number {
    return Math.max(0, Math.min(this.batchSize, this.dataset.length - index * this.batchSize));
  }

  /**
   * Batch `index` of `epoch` (fresh tensors: dispose them, or call inside tidy). `rows` takes only positions
   * [start, end) of it, with the same examples and augmentation they have in the whole batch (a data-parallel
   * rank's part).
   */
  batch(epoch: number, index: number, rows?: { start: number; end: number }): Batch {
    if (!Number.isInteger(index) || index < 0 || index >= this.length) {
      throw new RangeError(`DataLoader: batch index ${index} out of range [0, ${this.length})`);
    }
    const order = this.#orderOf(epoch);
    const whole = order.subarray(index * this.batchSize, Math.min(order.length, (index + 1) * this.batchSize));
    const start = rows?.start ?? 0;
    const end = rows?.end ?? whole.length;
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < start || end > whole.length) {
      throw new RangeError(`DataLoader: rows [${start}, ${end}) out of range for batch ${index} of ${whole.length} examples`);
    }
    const picked = whole.subarray(start, end);
    return tidy(() => {
      const at = tensor(picked, [picked.length]).long();
      let images = this.dataset.images.indexSelect(0, at);
      if (this.augmented) {
        const all = drawCropFlip(new Rng(this.seed, 'augment', epoch, index), whole.length, this.padding, this.flip);
        const choice = { offsetY: all.offsetY.subarray(start, end), offsetX: all.offsetX.subarray(start, end), flip: all.flip.subarray(start, end) };
        images = cropFlip(images, choice, this.padding);
      }
      let inputs = this.stats ? normalize(images, this.stats.mean, this.stats.std) : toUnitRange(images);
      let labels = this.dataset.labels.indexSelect(0, at);
      if (this.device !== 'cpu') { inputs = inputs.to(this.device); labels = labels.to(this.device); }
      return { inputs, labels, epoch, index };
    });
  }

  /** The batches of an epoch from `startBatch` on (resume passes the first batch not yet trained on). */
  *batches(epoch: number, startBatch = 0): Generator<Batch> {
    for (let index = startBatch; index < this.length; index++) yield this.batch(epoch, index);
  }
}
