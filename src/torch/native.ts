// The only module that loads the compiled addon (build/Release/sketchprune_native.node).
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import fs from 'node:fs';

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
  setRegionThreads(threads: number): number;
  memoryStats(): { tensors: number; bytes: number };
  savePt(names: string[], handles: Handle[]): Buffer;
  loadPt(bytes: Buffer): [string[], Handle[]];
  buildInfo(): { torchVersion: string; cudaAvailable: boolean; cudaDeviceCount: number };
  backward(tensors: Handle[], grads: (Handle | null)[] | null, retainGraph: boolean | null, createGraph: boolean): void;
  grad(outputs: Handle[], inputs: Handle[], gradOutputs: (Handle | null)[] | null, retainGraph: boolean | null,
    createGraph: boolean, allowUnused: boolean): (Handle | null)[];
  getGrad(handle: Handle): Handle | null;
  setGrad(handle: Handle, grad: Handle | null): void;
  requiresGrad(handle: Handle): boolean;
  isLeaf(handle: Handle): boolean;
  setGradEnabled(enabled: boolean): boolean;
  survivorTopK(scores: Handle[], support: Handle[] | null, k: number): [Handle[], number[], number, number];
  zeroWhere_(tensors: Handle[], masks: Handle[]): void;
  absMul_(targets: Handle[], others: Handle[]): void;
}

function findAddon(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, 'build', 'Release', 'sketchprune_native.node');
    if (fs.existsSync(candidate)) return candidate;
    dir = path.dirname(dir);
  }
  throw new Error('sketchprune native addon not built: run `npm install` (needs libtorch-dev) or `npm run install`');
}

/**
 * Loads the addon (and with it libtorch and libgomp). An idle OpenMP worker of libtorch spins 300,000 rounds
 * (GOMP's default) before it sleeps, while BLAS calls made inside a parallel region (the float64 conv path:
 * im2col + OpenBLAS gemm per image) run on OpenBLAS's own threads: on few cores the spinning worker takes the
 * core a BLAS thread needs, which made SynFlow's float64 passes on VGG-19 over 2× slower. A short spin keeps
 * worker wake-ups cheap for the training loop's many small parallel regions (measured: no loss) and leaves the
 * core to BLAS. libgomp reads the setting once, when it is loaded; a user's OMP_WAIT_POLICY or GOMP_SPINCOUNT
 * wins, and child processes (e.g. a PyTorch reference run) do not inherit ours.
 */
function loadAddon(): NativeAddon {
  const ownSpin = process.env.OMP_WAIT_POLICY === undefined && process.env.GOMP_SPINCOUNT === undefined;
  if (ownSpin) process.env.GOMP_SPINCOUNT = '10000';
  try {
    return createRequire(import.meta.url)(findAddon()) as NativeAddon;
  } finally {
    if (ownSpin) delete process.env.GOMP_SPINCOUNT;
  }
}

export const native: NativeAddon = loadAddon();

// libtorch starts with one intra-op thread when loaded into Node; use every core unless the user said otherwise.
const requestedThreads = Number(process.env.SKETCHPRUNE_THREADS ?? process.env.OMP_NUM_THREADS ?? NaN);
native.setNumThreads(Number.isInteger(requestedThreads) && requestedThreads > 0 ? requestedThreads : availableParallelism());
