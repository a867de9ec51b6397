// Process-wide settings: seeds, generator state, threads, memory counters, build facts.
import { native } from './native.js';
import { Tensor } from './tensor.js';
import type { Device } from './dtype.js';

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
 * team gains nothing there, and its idle workers wake up for every op and take cores from BLAS's threads (up to
 * several times slower; docs/PERFORMANCE.md). Cheap to call per pass, unlike setNumThreads, which rebuilds a thread pool.
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

/**
 * Returns the allocator's free pages to the system. The addon tunes glibc to keep freed memory for reuse (fast in
 * loops), which fragments the heap over long work: call this between large pieces of work (pruning calls, runs)
 * so RSS follows the memory really in use. Costs milliseconds; false where nothing was returned or not glibc.
 */
export function releaseFreeMemory(): boolean { return native.trimMemory(); }

export function buildInfo(): { torchVersion: string; cudaAvailable: boolean; cudaDeviceCount: number } {
  return native.buildInfo();
}
export function cudaAvailable(): boolean { return native.buildInfo().cudaAvailable; }

/**
 * A device name as users write it: 'cpu', 'cuda' or 'cuda:N'. Throws a RangeError naming `what` (e.g. '--device')
 * for anything else; says nothing about whether the device exists (checkDevice does).
 */
export function parseDevice(text: string, what = 'device'): Device {
  if (text === 'cpu' || text === 'cuda' || /^cuda:(0|[1-9][0-9]*)$/.test(text)) return text as Device;
  throw new RangeError(`${what}: expected cpu, cuda or cuda:N, got ${JSON.stringify(text)}`);
}

/**
 * Checks that this libtorch build can use `device`, before any work: a CPU-only build refuses every CUDA device
 * ("CUDA not available in this libtorch build"), a CUDA build refuses cuda:N past its device count.
 */
export function checkDevice(device: Device, what = 'device'): void {
  if (device === 'cpu') return;
  const info = native.buildInfo();
  if (!info.cudaAvailable) {
    throw new Error(`${what} ${device}: CUDA not available in this libtorch build (libtorch ${info.torchVersion}; ` +
      'build the addon against a CUDA libtorch: LIBTORCH=/path scripts/build-addon.sh)');
  }
  const index = device === 'cuda' ? 0 : Number(device.slice(5));
  if (index >= info.cudaDeviceCount) {
    throw new Error(`${what} ${device}: this machine has ${info.cudaDeviceCount} CUDA device(s) (cuda:0 to cuda:${info.cudaDeviceCount - 1})`);
  }
}
