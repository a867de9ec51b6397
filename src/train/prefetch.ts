// Feeding a GPU from batches made on the CPU (DataLoader: gather, augment, normalize). Each batch is staged in
// pinned (page-locked) host memory and copied to the device without blocking, and the next batch is prepared
// while the current step runs: the training loop calls prefetch(epoch, index + 1) once it has queued a step's
// work on the device, so the CPU's part of batch i + 1 overlaps the GPU's part of step i. The batches are the
// wrapped source's, in its order: batch(e, i) is the same batch with or without prefetching.
import { keep, tidy, type Device, type Tensor } from '../torch/index.js';
import type { BatchSource, LabelledBatch } from './batches.js';

export interface PrefetchOptions {
  /** Where batches go (the model's device). */
  device: Device;
  /** Stage batches in pinned host memory (default: when `device` is not the CPU). */
  pin?: boolean;
}

export class PrefetchingBatches implements BatchSource {
  readonly source: BatchSource;
  readonly device: Device;
  readonly length: number;
  readonly seed?: number;
  #pin: boolean;
  #pinError: string | null = null;
  #next: { epoch: number; index: number; batch: LabelledBatch } | null = null;
  /** Batches served from a prefetch (for tests and progress output). */
  hits = 0;

  constructor(source: BatchSource, options: PrefetchOptions) {
    this.source = source;
    this.device = options.device;
    this.length = source.length;
    if (source.seed !== undefined) this.seed = source.seed;
    this.#pin = options.pin ?? options.device !== 'cpu';
  }

  /** Whether batches are staged in pinned memory (false after libtorch refused to pin, e.g. without CUDA). */
  get pinned(): boolean { return this.#pin; }
  /** Why pinning was given up (libtorch's message), or null. */
  get pinError(): string | null { return this.#pinError; }

  batch(epoch: number, index: number): LabelledBatch {
    const ready = this.#next;
    if (ready && ready.epoch === epoch && ready.index === index) {
      this.#next = null;
      this.hits += 1;
      // New aliases in the caller's scope (its tidy() frees them); the kept originals go now.
      const batch = { inputs: ready.batch.inputs.detach(), labels: ready.batch.labels.detach() };
      ready.batch.inputs.dispose();
      ready.batch.labels.dispose();
      return batch;
    }
    return this.#stage(this.source.batch(epoch, index));
  }

  /**
   * Prepares batch `index` of `epoch` now (an index past the epoch's end means the next epoch's first batch), so
   * that batch() returns it at once. A prefetched batch that is never asked for is freed by the next prefetch.
   */
  prefetch(epoch: number, index: number): void {
    if (index >= this.length) { epoch += 1; index = 0; }
    if (this.#next?.epoch === epoch && this.#next.index === index) return;
    this.#drop();
    const batch = tidy(() => {
      const staged = this.#stage(this.source.batch(epoch, index));
      return { inputs: keep(staged.inputs), labels: keep(staged.labels) };
    });
    this.#next = { epoch, index, batch };
  }

  /** Frees a prefetched batch; the source is the caller's to dispose. */
  dispose(): void { this.#drop(); }

  #drop(): void {
    if (!this.#next) return;
    this.#next.batch.inputs.dispose();
    this.#next.batch.labels.dispose();
    this.#next = null;
  }

  #stage(batch: LabelledBatch): LabelledBatch {
    if (this.#pin) {
      try {
        return { inputs: this.#move(batch.inputs.pinMemory(), true), labels: this.#move(batch.labels.pinMemory(), true) };
      } catch (error) {
        // A CPU-only libtorch cannot pin: carry on with ordinary (pageable) memory and blocking copies.
        this.#pin = false;
        this.#pinError = (error as Error).message.split('\n')[0];
      }
    }
    return { inputs: this.#move(batch.inputs, false), labels: this.#move(batch.labels, false) };
  }

  #move(tensor: Tensor, nonBlocking: boolean): Tensor {
    return tensor.device === this.device ? tensor : tensor.to(this.device, { nonBlocking });
  }
}
