// The only module that loads the compiled addon (build/Release/sketchprune_native.node).
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import fs from 'node:fs';
import { TorchError } from './errors.js';

/**
 * An opaque libtorch tensor handle owned by exactly one `Tensor`: a number naming a slot in the addon's table
 * (stale handles of disposed tensors are recognised). Only torch/ passes it around.
 */
export type Handle = number & { readonly __nativeTensor: unique symbol };

export interface NativeAddon {
  findOp(name: string, overload: string): number;
  callOp(id: number, ...args: unknown[]): unknown;
  callOpInPlace(id: number, ...args: unknown[]): void;
  opSchema(id: number): string;
  dispose(handle: Handle): void;
  meta(handle: Handle): [number, string, boolean, ...number[]];
  fromBuffer(data: ArrayBufferView, dtypeCode: number, shape: number[]): Handle;
  toBuffer(handle: Handle): ArrayBuffer;
  manualSeed(seed: number): void;
  getRngState(): Handle;
  setRngState(state: Handle): void;
  setNumThreads(threads: number): void;
  getNumThreads(): number;
  /** OpenBLAS's own thread count (-1 where the BLAS is not OpenBLAS). */
  setBlasThreads(threads: number): number;
  getBlasThreads(): number;
  /** glibc allocator bytes: in use (heap + mmapped), heap (arena) size, mmapped. */
  mallocStats(): { inUse: number; heap: number; mmapped: number };
  trimMemory(): boolean;
  setRegionThreads(threads: number): number;
  memoryStats(): { tensors: number; bytes: number };
  handleStats(): { slots: number; free: number; retired: number };
  /** Test hook: slots retire after `limit - 1` generations instead of 2^26 - 1. Returns the previous limit. */
  setHandleGenerationLimit(limit: number): number;
  savePt(names: string[], handles: Handle[]): Buffer;
  buildInfo(): { torchVersion: string; cudaAvailable: boolean; cudaDeviceCount: number };
  setErrorClass(errorClass: new (message: string, op: string) => Error): void;
  backward(tensors: Handle[], grads: (Handle | null)[] | null, retainGraph: boolean | null, createGraph: boolean): void;
  grad(outputs: Handle[], inputs: Handle[], gradOutputs: (Handle | null)[] | null, retainGraph: boolean | null,
    createGraph: boolean, allowUnused: boolean): (Handle | null)[];
  getGrad(handle: Handle): Handle | null;
  setGrad(handle: Handle, grad: Handle | null): void;
  requiresGrad(handle: Handle): boolean;
  isLeaf(handle: Handle): boolean;
  setGradEnabled(enabled: boolean): boolean;
  survivorTopK(scores: Handle[], support: Handle[] | null, k: number, survivors: number | null): [Handle[], number[], number, number];
  zeroWhere_(tensors: Handle[], masks: Handle[]): void;
  absMul_(targets: Handle[], others: Handle[]): void;
  replaceMasks_(current: Handle[], next: Handle[], zero: Handle[] | null): Handle[];
  weightedSampleMasks(scores: Handle[], support: Handle[] | null, counts: number[], seed: number | null): Handle[];
  jitLoad(file: string): ScriptModuleHandle;
  jitNamedParameters(module: ScriptModuleHandle): [string[], Handle[]];
  jitNamedBuffers(module: ScriptModuleHandle): [string[], Handle[]];
  jitNamedModules(module: ScriptModuleHandle): [string[], string[]];
  jitTrain(module: ScriptModuleHandle, on: boolean): void;
  jitIsTraining(module: ScriptModuleHandle): boolean;
  jitTo(module: ScriptModuleHandle, device: string | null, dtypeCode: number | null): void;
  jitForward(module: ScriptModuleHandle, inputs: Handle[]): Handle;
  distAvailable(): boolean;
  distInit(options: Record<string, unknown>): void;
  distDestroy(): void;
  distAllReduce(tensors: Handle[], op: string): void;
  distBroadcast(tensors: Handle[], root: number): void;
  distBarrier(): void;
}

/** An opaque loaded TorchScript module (freed when garbage collected); only torch/jit.ts uses it. */
export type ScriptModuleHandle = object & { readonly __scriptModule: unique symbol };

function findAddon(): string {
  // SKETCHPRUNE_ADDON=/path/to/sketchprune_native.node loads that build (e.g. one built by scripts/build-addon.sh --out).
  const chosen = process.env.SKETCHPRUNE_ADDON;
  if (chosen) {
    if (!fs.existsSync(chosen)) throw new Error(`SKETCHPRUNE_ADDON=${chosen}: no such file`);
    return path.resolve(chosen);
  }
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, 'build', 'Release', 'sketchprune_native.node');
    if (fs.existsSync(candidate)) return candidate;
    dir = path.dirname(dir);
  }
  throw new Error('sketchprune native addon not built: run `npm install` (needs libtorch-dev) or `npm run install`');
}

/**
 * Thread-pool settings that libgomp and OpenBLAS read once, when the addon loads them. libtorch's OpenMP workers
 * and OpenBLAS's own threads share the cores, and by default an idle one of either kind spins long before it
 * sleeps: an OpenMP worker 300,000 rounds, an OpenBLAS thread 2^28 cycles (about 0.1 s). BLAS calls made inside a
 * parallel region (the float64 conv path: im2col + gemm per image) then lose the core to a spinning OpenMP worker,
 * and the vectorized loops that follow a pass to spinning BLAS threads (both measured: docs/PERFORMANCE.md). Short
 * spins (OpenBLAS: 2^20 cycles, about 0.3 ms) keep wake-ups rare within a pass and cost the training loop nothing.
 * A user's own setting of any of these wins, and child processes (e.g. a PyTorch reference run) do
 * not inherit ours.
 */
const threadPoolDefaults: [name: string, value: string, overriddenBy: string[]][] = [
  ['GOMP_SPINCOUNT', '10000', ['GOMP_SPINCOUNT', 'OMP_WAIT_POLICY']],
  ['OPENBLAS_THREAD_TIMEOUT', '20', ['OPENBLAS_THREAD_TIMEOUT', 'GOTO_THREAD_TIMEOUT']],
];

function loadAddon(): NativeAddon {
  const own = threadPoolDefaults.filter(([, , overriddenBy]) => overriddenBy.every((name) => process.env[name] === undefined));
  for (const [name, value] of own) process.env[name] = value;
  try {
    return createRequire(import.meta.url)(findAddon()) as NativeAddon;
  } finally {
    for (const [name] of own) delete process.env[name];
  }
}

export const native: NativeAddon = loadAddon();
native.setErrorClass(TorchError);

// libtorch starts with one intra-op thread when loaded into Node; use every core unless the user said otherwise.
const requestedThreads = Number(process.env.SKETCHPRUNE_THREADS ?? process.env.OMP_NUM_THREADS ?? NaN);
// OpenBLAS gets the same count (its pool is otherwise sized by its own environment variables), so that one thread
// count describes the process's arithmetic.
const startThreads = Number.isInteger(requestedThreads) && requestedThreads > 0 ? Math.min(requestedThreads, 1024) : availableParallelism();
native.setNumThreads(startThreads);
native.setBlasThreads(startThreads);
