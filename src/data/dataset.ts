// An in-memory labelled image dataset: uint8 images [N, C, H, W] and int64 labels [N], both kept tensors
// owned by the dataset (dispose() frees them).
import { keep, tensor, tidy, type Tensor } from '../torch/index.js';
import { DatasetFileError } from './errors.js';

export type Split = 'train' | 'test';

export interface ImageArrays {
  /** Pixels in [N, C, H, W] order. */
  pixels: Uint8Array;
  /** [C, H, W] of one image. */
  imageShape: [number, number, number];
  labels: Uint8Array | Int32Array;
}

export interface DatasetInfo {
  name: string;
  split: Split;
  numClasses: number;
  /** Class names in label order, when the dataset ships them. */
  classNames?: string[];
  /** The files or directory the data came from. */
  source: string;
}

export class ImageDataset {
  readonly images: Tensor;
  readonly labels: Tensor;
  readonly info: DatasetInfo;
  /** CIFAR-100's 20 superclass labels, when present. */
  readonly coarseLabels: Tensor | null;
  #labelArray: Int32Array | null = null;

  constructor(images: Tensor, labels: Tensor, info: DatasetInfo, coarseLabels: Tensor | null = null) {
    if (images.ndim !== 4 || images.dtype !== 'uint8') {
      throw new TypeError(`ImageDataset: images must be uint8 [N, C, H, W], got ${images.toString()}`);
    }
    if (labels.ndim !== 1 || labels.dtype !== 'int64' || labels.size(0) !== images.size(0)) {
      throw new TypeError(`ImageDataset: labels must be int64 [${images.size(0)}], got ${labels.toString()}`);
    }
    this.images = keep(images);
    this.labels = keep(labels);
    this.coarseLabels = coarseLabels ? keep(coarseLabels) : null;
    this.info = info;
  }

  /** Builds a dataset from typed arrays (copied into tensors). */
  static fromArrays(arrays: ImageArrays, info: DatasetInfo, coarseLabels?: Uint8Array | Int32Array): ImageDataset {
    const n = arrays.labels.length;
    const [c, h, w] = arrays.imageShape;
    if (arrays.pixels.length !== n * c * h * w) {
      throw new RangeError(`ImageDataset.fromArrays: ${arrays.pixels.length} pixels do not make ${n} images of ${c}×${h}×${w}`);
    }
    return tidy(() => new ImageDataset(
      tensor(arrays.pixels, [n, c, h, w]),
      tensor(arrays.labels, [n], { dtype: 'int64' }),
      info,
      coarseLabels ? tensor(coarseLabels, [n], { dtype: 'int64' }) : null,
    ));
  }

  get length(): number { return this.images.size(0); }
  /** [C, H, W] of one image. */
  get imageShape(): [number, number, number] {
    const [, c, h, w] = this.images.shape;
    return [c, h, w];
  }
  get name(): string { return this.info.name; }
  get numClasses(): number { return this.info.numClasses; }

  /** The labels as JS integers (computed once). */
  labelArray(): Int32Array {
    if (!this.#labelArray) this.#labelArray = Int32Array.from(this.labels.toArray());
    return this.#labelArray;
  }

  /** How many examples each class has. */
  classCounts(): number[] {
    const counts = new Array<number>(this.numClasses).fill(0);
    for (const label of this.labelArray()) counts[label]++;
    return counts;
  }

  /** A new dataset with the examples at `indices` (copied). */
  subset(indices: ArrayLike<number>): ImageDataset {
    const index = BigInt64Array.from(Array.from(indices, (value) => {
      if (!Number.isInteger(value) || value < 0 || value >= this.length) {
        throw new RangeError(`ImageDataset.subset: index ${value} out of range [0, ${this.length})`);
      }
      return BigInt(value);
    }));
    return tidy(() => {
      const at = tensor(index, [index.length]);
      return new ImageDataset(this.images.indexSelect(0, at), this.labels.indexSelect(0, at), { ...this.info },
        this.coarseLabels ? this.coarseLabels.indexSelect(0, at) : null);
    });
  }

  dispose(): void {
    this.images.dispose();
    this.labels.dispose();
    this.coarseLabels?.dispose();
  }
}

/** Checks that every label is below numClasses; the error names the file, the index and the value. */
export function checkLabels(file: string, labels: ArrayLike<number>, numClasses: number): void {
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] >= numClasses) {
      throw new DatasetFileError(file, `label ${labels[i]} out of range [0, ${numClasses}) at index ${i}`);
    }
  }
}
