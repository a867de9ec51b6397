// What the loop reads data through: random access to batch i of epoch e. data/'s DataLoader fits this shape;
// a resumed run asks for exactly the batches it has not trained on yet, so the order must be a pure function
// of (seed, epoch, index).
import { keep, tensor, tidy, type Device, type Tensor } from '../torch/index.js';
import { Rng } from '../data/index.js';

export interface LabelledBatch {
  /** [B, ...] model inputs (float) */
  inputs: Tensor;
  /** int64 [B] class labels */
  labels: Tensor;
}

export interface BatchSource {
  /** Batches per epoch. */
  readonly length: number;
  /**
   * Batch `index` of `epoch` as fresh tensors; the same arguments must give the same batch. Sources that
   * implement `rowsIn` also take `rows`: only positions [start, end) of the batch (a data-parallel rank's part).
   */
  batch(epoch: number, index: number, rows?: { start: number; end: number }): LabelledBatch;
  /** Examples in batch `index`; with it, data-parallel ranks load only their own part of each batch. */
  rowsIn?(index: number): number;
  /** The seed of the order (recorded in checkpoints so a resume with another order is refused). */
  readonly seed?: number;
  /**
   * Optional: start preparing batch `index` of `epoch` now (past the epoch's end: the next epoch's first). The
   * loop calls it once a step's work is queued, so a GPU step overlaps the CPU's next batch (PrefetchingBatches).
   */
  prefetch?(epoch: number, index: number): void;
}

export interface TensorBatchesOptions {
  batchSize: number;
  /** Reshuffle every epoch from (seed, epoch) (default true). */
  shuffle?: boolean;
  seed?: number;
}

/**
 * A BatchSource over in-memory tensors (synthetic data, small tests, benchmarks). It keeps its own copies;
 * dispose() frees them.
 */
export class TensorBatches implements BatchSource {
  readonly inputs: Tensor;
  readonly labels: Tensor;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly seed: number;
  #orderEpoch = -1;
  #order: Int32Array = new Int32Array(0);

  constructor(inputs: Tensor, labels: Tensor, options: TensorBatchesOptions) {
    if (inputs.ndim < 1 || labels.ndim !== 1 || inputs.size(0) !== labels.size(0)) {
      throw new RangeError(`TensorBatches: inputs ${inputs.toString()} and labels ${labels.toString()} must have the same first dimension`);
    }
    if (!Number.isInteger(options.batchSize) || options.batchSize < 1) {
      throw new RangeError(`TensorBatches: batchSize must be a positive integer, got ${options.batchSize}`);
    }
    this.inputs = keep(inputs.clone());
    this.labels = keep(tidy(() => labels.long().clone()));
    this.batchSize = options.batchSize;
    this.shuffle = options.shuffle ?? true;
    this.seed = options.seed ?? 0;
  }

  get examples(): number { return this.labels.size(0); }
  get length(): number { return Math.ceil(this.examples / this.batchSize); }

  rowsIn(index: number): number { return Math.max(0, Math.min(this.batchSize, this.examples - index * this.batchSize)); }

  batch(epoch: number, index: number, rows?: { start: number; end: number }): LabelledBatch {
    if (!Number.isInteger(index) || index < 0 || index >= this.length) {
      throw new RangeError(`TensorBatches: batch index ${index} out of range [0, ${this.length})`);
    }
    const size = this.rowsIn(index);
    const start = rows?.start ?? 0;
    const end = rows?.end ?? size;
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < start || end > size) {
      throw new RangeError(`TensorBatches: rows [${start}, ${end}) out of range for batch ${index} of ${size} examples`);
    }
    if (epoch !== this.#orderEpoch) {
      this.#order = this.shuffle ? new Rng(this.seed, 'shuffle', epoch).permutation(this.examples)
        : Int32Array.from({ length: this.examples }, (_, i) => i);
      this.#orderEpoch = epoch;
    }
    const picked = this.#order.subarray(index * this.batchSize + start, index * this.batchSize + end);
    return tidy(() => {
      const onCpu = tensor(picked, [picked.length]).long();
      const at = this.inputs.device === 'cpu' ? onCpu : onCpu.to(this.inputs.device as Device);
      return { inputs: this.inputs.indexSelect(0, at), labels: this.labels.indexSelect(0, at) };
    });
  }

  dispose(): void {
    this.inputs.dispose();
    this.labels.dispose();
  }
}
