// Process-wide settings: seeds, generator state, threads, memory counters, build facts.
import { native } from './native.js';
import { Tensor } from './tensor.js';

/** Seeds libtorch's global generators (CPU and CUDA). */
export function manualSeed(seed: number): void {
  if (!Number.isInteger(seed) || seed < 0) throw new RangeError(`manualSeed: seed must be a non-negative integer, got ${seed}`);
  native.manualSeed(seed);
}
/** The CPU generator's state (uint8 tensor), for checkpoints. */
export function getRngState(): Tensor { return new Tensor(native.getRngState()); }
export function setRngState(state: Tensor): void { native.setRngState(state.handle); }

/** The most threads setNumThreads accepts (libtorch would try to start them all: 100,000 hung the process). */
export const maxThreads = 1024;

/**
 * Sets libtorch's intra-op threads and OpenBLAS's own pool (where the BLAS is OpenBLAS) to the same count. Both
 * decide how sums are split, so a run pinned here computes the same bits in any process (an in-process run used
 * to keep BLAS on every core while a worker's environment gave it one).
 */
export function setNumThreads(threads: number): void {
  if (!Number.isInteger(threads) || threads < 1 || threads > maxThreads) {
    throw new RangeError(`setNumThreads: need an integer from 1 to ${maxThreads}, got ${threads}`);
  }
  native.setNumThreads(threads);
  native.setBlasThreads(threads);
}
export function getNumThreads(): number { return native.getNumThreads(); }

/** The thread counts that shape results: libtorch's intra-op pool and OpenBLAS's (null where not OpenBLAS). */
export function threadSettings(): { intraOp: number; blas: number | null } {
  const blas = native.getBlasThreads();
  return { intraOp: native.getNumThreads(), blas: blas < 0 ? null : blas };
}

/**
 * Runs fn with libtorch's parallel regions limited to `threads` (BLAS keeps its own threads), then restores them.
 * For passes with no data parallelism, such as a batch of one: libtorch's conv path splits work by image, so a
 * team gains nothing there, and its idle workers wake up for every op and take cores from BLAS's threads (on
 * 2 cores, a float64 pass on one image took 2× as long with two region threads for ResNet-20, 1.2× for VGG-19;
 * 3.5× for ResNet-20 while another process held a core). Cheap to call per pass, unlike setNumThreads, which rebuilds a thread pool.
 */
export function withRegionThreads<T>(threads: number, fn: () => T): T {
  if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`withRegionThreads: need a positive integer, got ${threads}`);
  const previous = native.setRegionThreads(threads);
  try {
    return fn();
  } finally {
    native.setRegionThreads(previous);
  }
}

/** Live tensors (JS-owned libtorch aliases) and the bytes they address. */
export function memoryStats(): { tensors: number; bytes: number } { return native.memoryStats(); }

export function buildInfo(): { torchVersion: string; cudaAvailable: boolean; cudaDeviceCount: number } {
  return native.buildInfo();
}
export function cudaAvailable(): boolean { return native.buildInfo().cudaAvailable; }
