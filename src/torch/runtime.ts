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

export function setNumThreads(threads: number): void {
  if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`setNumThreads: need a positive integer, got ${threads}`);
  native.setNumThreads(threads);
}
export function getNumThreads(): number { return native.getNumThreads(); }

/** Live tensors (JS-owned libtorch aliases) and the bytes they address. */
export function memoryStats(): { tensors: number; bytes: number } { return native.memoryStats(); }

export function buildInfo(): { torchVersion: string; cudaAvailable: boolean; cudaDeviceCount: number } {
  return native.buildInfo();
}
export function cudaAvailable(): boolean { return native.buildInfo().cudaAvailable; }
