// A data-parallel group of processes over c10d (Gloo): start-up broadcast from rank 0, the per-step reduction
// of gradients (bucketed, weighted by each rank's example count so that uneven last batches average exactly),
// of floating-point buffers (batch-norm running statistics) and of the step's metrics, and small agreements.
// Rank 0 alone writes files (isWriter). Everything here is collective: every rank must make the same calls in
// the same order.
import { cat, collectives, isFloating, noGrad, tensor, tidy, zerosLike, type Tensor } from '../torch/index.js';
import { DEFAULT_BUCKET_BYTES, planBuckets } from './buckets.js';
import { readLaunchEnvironment, type LaunchEnvironment } from './environment.js';

/** Sums over one step, per rank before the reduction and over all ranks after it. */
export interface StepTotals {
  lossSum: number;
  correct: number;
  examples: number;
  /** Set when a rank wants to stop (Ctrl-C); after the reduction, true on every rank when any rank asked. */
  stop: boolean;
}

export interface DataParallelOptions {
  /** Bucket size of the gradient all-reduce (default 25 MiB, as DDP). */
  bucketBytes?: number;
}

const elementBytes: Record<string, number> = { float16: 2, float32: 4, float64: 8 };

export class DataParallel {
  readonly rank: number;
  readonly worldSize: number;
  readonly localRank: number;
  readonly bucketBytes: number;
  #destroyed = false;
  #plan: { signature: string; buckets: number[][] } | null = null;

  private constructor(environment: LaunchEnvironment, options: DataParallelOptions) {
    this.rank = environment.rank;
    this.worldSize = environment.worldSize;
    this.localRank = environment.localRank;
    this.bucketBytes = options.bucketBytes ?? DEFAULT_BUCKET_BYTES;
  }

  /** Joins the group that `environment` describes (blocks until every rank has joined or the timeout passes). */
  static init(environment: LaunchEnvironment, options: DataParallelOptions = {}): DataParallel {
    if (!collectives.collectivesAvailable()) {
      throw new Error('this libtorch build has no c10d/Gloo, so data-parallel training is unavailable ' +
        '(Debian: apt-get install libgloo-dev, then rebuild the addon with npm run install)');
    }
    const hostname = environment.store.kind === 'tcp' && isLoopback(environment.store.host) ? '127.0.0.1' : undefined;
    try {
      collectives.initProcessGroup({
        rank: environment.rank, worldSize: environment.worldSize, timeoutMs: environment.timeoutMs, store: environment.store,
        ifname: environment.ifname, hostname,
      });
    } catch (error) {
      const where = environment.store.kind === 'tcp' ? `${environment.store.host}:${environment.store.port}` : environment.store.path;
      throw new Error(`rank ${environment.rank} of ${environment.worldSize}: rendezvous at ${where} failed: ${(error as Error).message}`);
    }
    return new DataParallel(environment, options);
  }

  /** The group that torchrun-style environment variables describe, or null for a single-process run. */
  static fromEnvironment(env: NodeJS.ProcessEnv = process.env, options: DataParallelOptions = {}): DataParallel | null {
    const environment = readLaunchEnvironment(env);
    return environment ? DataParallel.init(environment, options) : null;
  }

  /** Rank 0 writes checkpoints, metrics and results; the other ranks write nothing. */
  get isWriter(): boolean { return this.rank === 0; }

  /** Overwrites every tensor with rank 0's (in place; non-contiguous tensors go through a copy). */
  broadcastFromRankZero(tensors: readonly Tensor[]): void {
    this.#collective('broadcast', () => noGrad(() => tidy(() => {
      const contiguous = tensors.map((t) => t.contiguous());
      collectives.broadcast_(contiguous, 0);
      contiguous.forEach((copy, i) => tensors[i].copy_(copy)); // a no-op for tensors that were contiguous (same storage)
    })));
  }

  /** Element-wise sums (or max, min) of the ranks' numbers, in float64. */
  allReduceNumbers(values: readonly number[], op: collectives.ReduceOp = 'sum'): number[] {
    return this.#collective('all-reduce', () => tidy(() => {
      const buffer = tensor(Float64Array.from(values), [values.length]);
      collectives.allReduce_([buffer], op);
      return buffer.toArray();
    }));
  }

  /** Throws the same error on every rank unless all ranks pass the same number (e.g. the step of a checkpoint). */
  agree(what: string, value: number): void {
    const [largest, negatedSmallest] = this.allReduceNumbers([value, -value], 'max');
    if (largest !== -negatedSmallest) {
      throw new Error(`the ranks disagree about ${what}: values range from ${-negatedSmallest} to ${largest} (this rank: ${value})`);
    }
  }

  /**
   * One step's reduction, in one round of bucketed all-reduces: each parameter's gradient becomes the average of
   * the ranks' gradients weighted by their example counts (a missing gradient counts as zero), each
   * floating-point buffer the same weighted average of the ranks' values, and the totals are summed. With
   * per-rank mean losses this gives exactly the gradient of the mean loss over the global batch.
   */
  reduceStep(parameters: readonly Tensor[], buffers: readonly Tensor[], local: StepTotals): StepTotals {
    return this.#collective('gradient all-reduce', () => noGrad(() => tidy(() => {
      const floatBuffers = buffers.filter((buffer) => isFloating(buffer.dtype));
      const items: Tensor[] = [...parameters.map((p) => p.grad ?? zerosLike(p)), ...floatBuffers];
      const buckets = this.#bucketsFor(items);
      const totals = tensor(Float64Array.from([local.lossSum, local.correct, local.examples, local.stop ? 1 : 0]), [4]);
      const flats = buckets.map((indices) => cat(indices.map((i) => items[i].reshape([-1]))).mul_(local.examples));
      collectives.allReduce_([...flats, totals], 'sum');
      const [lossSum, correct, examples, stop] = totals.toArray();
      if (!(examples > 0)) throw new Error('gradient all-reduce: the global batch has no examples');
      buckets.forEach((indices, b) => {
        const flat = flats[b].div_(examples);
        let offset = 0;
        for (const i of indices) {
          const target = items[i];
          const part = flat.narrow(0, offset, target.numel).view(target.shape);
          offset += target.numel;
          if (i < parameters.length && !parameters[i].grad) parameters[i].grad = part.clone();
          else target.copy_(part);
        }
      });
      return { lossSum, correct, examples, stop: stop > 0 };
    })));
  }

  /** Waits until every rank has arrived. */
  barrier(): void { this.#collective('barrier', () => collectives.barrier()); }

  /** Leaves the group (idempotent); the process may then exit. */
  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    collectives.destroyProcessGroup();
  }

  #bucketsFor(items: readonly Tensor[]): number[][] {
    const signature = items.map((t) => `${t.dtype}@${t.device}:${t.numel}`).join(',');
    if (this.#plan?.signature !== signature) {
      for (const t of items) {
        if (!(t.dtype in elementBytes)) throw new TypeError(`gradient all-reduce: cannot average a ${t.dtype} tensor`);
      }
      const buckets = planBuckets(items.map((t) => ({ numel: t.numel, elementBytes: elementBytes[t.dtype], key: `${t.dtype}@${t.device}` })), this.bucketBytes);
      this.#plan = { signature, buckets };
    }
    return this.#plan.buckets;
  }

  #collective<T>(what: string, body: () => T): T {
    if (this.#destroyed) throw new Error(`${what}: the process group was destroyed`);
    try {
      return body();
    } catch (error) {
      const message = (error as Error).message;
      if (message.startsWith('rank ')) throw error;
      throw new Error(`rank ${this.rank} of ${this.worldSize}: ${what} failed (another rank died, stopped answering, or ` +
        `disagrees): ${message}`);
    }
  }
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

let fromEnvironment: { group: DataParallel | null } | null = null;

/**
 * The process's data-parallel group from torchrun-style environment variables, joined on the first call and
 * shared by every later training run in this process; null when the process was not launched data-parallel.
 */
export function processGroup(): DataParallel | null {
  fromEnvironment ??= { group: DataParallel.fromEnvironment() };
  return fromEnvironment.group;
}
