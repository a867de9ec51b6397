// Checkpoints: one safetensors file holding the model's parameters and buffers, the optimizer's momentum
// buffers, libtorch's CPU generator state, and (as JSON metadata) the position in the data order, the
// run's settings and its history. Written atomically (temp file + rename), so a crash leaves the previous
// checkpoint intact.
import fs from 'node:fs';
import path from 'node:path';
import { getRngState, loadSafetensors, saveSafetensors, tidy, type NamedTensors, type Tensor } from '../torch/index.js';

export const CHECKPOINT_FILE = 'checkpoint.safetensors';
const METADATA_KEY = 'sketchprune.checkpoint';
const FORMAT = 1;

/** Sums over the steps of an unfinished epoch, so that a mid-epoch resume reports the same epoch metrics. */
export interface EpochAccumulator { lossSum: number; correct: number; examples: number; steps: number }

export interface CheckpointState {
  /** The epoch the next step belongs to (equals `epochs` when the run is finished). */
  epoch: number;
  /** The next batch of that epoch. */
  batch: number;
  /** Steps taken so far. */
  globalStep: number;
  finished: boolean;
  /** The settings the run was started with; a resume with other settings is refused. */
  settings: Record<string, unknown>;
  accumulator: EpochAccumulator;
  /** One record per finished epoch (see the loop's EpochRecord). */
  history: Record<string, unknown>[];
}

export interface LoadedCheckpoint {
  state: CheckpointState;
  model: NamedTensors;
  optimizer: NamedTensors;
  rngState: Tensor;
  /** Frees the loaded tensors. */
  dispose(): void;
}

export function checkpointPath(dir: string): string { return path.join(dir, CHECKPOINT_FILE); }

export function saveCheckpoint(dir: string, state: CheckpointState, model: NamedTensors, optimizer: NamedTensors): void {
  tidy(() => {
    const tensors: NamedTensors = {};
    // Aliases of CPU tensors are written as they are; tensors on other devices come to the CPU first.
    const onCpu = (tensor: Tensor): Tensor => (tensor.device === 'cpu' ? tensor : tensor.to('cpu'));
    for (const [name, tensor] of Object.entries(model)) tensors[`model/${name}`] = onCpu(tensor.detach());
    for (const [name, tensor] of Object.entries(optimizer)) tensors[`optimizer/${name}`] = onCpu(tensor);
    tensors['rng/cpu'] = getRngState();
    saveSafetensors(checkpointPath(dir), tensors, { [METADATA_KEY]: JSON.stringify({ format: FORMAT, ...state }) });
  });
}

/** The checkpoint in `dir`, or null when there is none; a damaged file gives an error naming it. */
export function loadCheckpoint(dir: string): LoadedCheckpoint | null {
  const file = checkpointPath(dir);
  if (!fs.existsSync(file)) return null;
  let loaded: ReturnType<typeof loadSafetensors>;
  try {
    loaded = loadSafetensors(file);
  } catch (error) {
    throw new Error(`checkpoint ${file} cannot be read: ${(error as Error).message}`);
  }
  const all = Object.values(loaded.tensors);
  const free = () => { for (const tensor of all) tensor.dispose(); };
  const json = loaded.metadata[METADATA_KEY];
  let state: CheckpointState & { format?: number };
  try {
    state = JSON.parse(json ?? '');
  } catch {
    free();
    throw new Error(`checkpoint ${file} has no valid '${METADATA_KEY}' metadata (not a sketchprune training checkpoint?)`);
  }
  if (state.format !== FORMAT) {
    free();
    throw new Error(`checkpoint ${file} has format ${state.format}, this version reads format ${FORMAT}`);
  }
  const rngState = loaded.tensors['rng/cpu'];
  if (!rngState) {
    free();
    throw new Error(`checkpoint ${file} lacks the generator state 'rng/cpu'`);
  }
  const model: NamedTensors = {};
  const optimizer: NamedTensors = {};
  for (const [name, tensor] of Object.entries(loaded.tensors)) {
    if (name.startsWith('model/')) model[name.slice('model/'.length)] = tensor;
    else if (name.startsWith('optimizer/')) optimizer[name.slice('optimizer/'.length)] = tensor;
  }
  delete state.format;
  return { state, model, optimizer, rngState, dispose: free };
}
