// Checkpoints: one safetensors file holding the model's parameters and buffers, the optimizer's momentum
// buffers, libtorch's CPU generator state, and (as JSON metadata) the position in the data order, the
// run's settings and its history. Written atomically (temp file + rename), so a crash leaves the previous
// checkpoint intact; the file carries a SHA-256 of its contents (see torch/serialize.ts), and the checkpoint
// before it is kept as checkpoint.previous.safetensors. A damaged or missing checkpoint (a disk error, a bit flip,
// a kill between the two renames) falls back to the previous one with a warning; the damaged file is moved aside.
import fs from 'node:fs';
import path from 'node:path';
import { getRngState, loadSafetensors, saveSafetensors, tidy, type NamedTensors, type Tensor } from '../torch/index.js';

export const CHECKPOINT_FILE = 'checkpoint.safetensors';
export const PREVIOUS_CHECKPOINT_FILE = 'checkpoint.previous.safetensors';
export const DAMAGED_CHECKPOINT_FILE = 'checkpoint.damaged.safetensors';
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
  /** Set when the newest checkpoint was damaged or missing and the previous one was loaded instead. */
  warning?: string;
  /** Frees the loaded tensors. */
  dispose(): void;
}

export function checkpointPath(dir: string): string { return path.join(dir, CHECKPOINT_FILE); }

export function saveCheckpoint(dir: string, state: CheckpointState, model: NamedTensors, optimizer: NamedTensors): void {
  // The current checkpoint becomes the previous one; if this write fails or is killed, loading falls back to it.
  const current = checkpointPath(dir);
  if (fs.existsSync(current)) fs.renameSync(current, path.join(dir, PREVIOUS_CHECKPOINT_FILE));
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

/**
 * The checkpoint in `dir`, or null when there is none. A damaged or missing newest checkpoint falls back to the
 * previous one (with `warning` set); when neither can be read, the error names the newest file and its problem.
 */
export function loadCheckpoint(dir: string): LoadedCheckpoint | null {
  const file = checkpointPath(dir);
  const previous = path.join(dir, PREVIOUS_CHECKPOINT_FILE);
  if (!fs.existsSync(file)) {
    if (!fs.existsSync(previous)) return null;
    const loaded = loadCheckpointFile(previous);
    return { ...loaded, warning: `warning: ${file} is missing (a write was interrupted); resuming from the previous checkpoint ${previous} (step ${loaded.state.globalStep})` };
  }
  try {
    return loadCheckpointFile(file);
  } catch (error) {
    if (!fs.existsSync(previous)) throw error;
    let loaded: LoadedCheckpoint;
    try {
      loaded = loadCheckpointFile(previous);
    } catch {
      throw error;
    }
    const damaged = path.join(dir, DAMAGED_CHECKPOINT_FILE);
    fs.renameSync(file, damaged);
    return { ...loaded, warning: `warning: ${(error as Error).message}; resuming from the previous checkpoint ${previous} ` +
      `(step ${loaded.state.globalStep}); the damaged file was moved to ${damaged}` };
  }
}

function loadCheckpointFile(file: string): LoadedCheckpoint {
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
  const problem = stateProblem(state);
  if (problem) {
    free();
    throw new Error(`checkpoint ${file} has inconsistent metadata: ${problem}`);
  }
  return { state, model, optimizer, rngState, dispose: free };
}

const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;

/**
 * What is wrong with a checkpoint's position and history, or null. The loop resumes at (epoch, batch) and
 * reports from the history and accumulator, so a hand-edited or damaged value would silently skip or repeat
 * steps: the numbers must agree with each other and with the run's settings.
 */
export function stateProblem(state: CheckpointState): string | null {
  if (state === null || typeof state !== 'object') return 'not an object';
  const { epoch, batch, globalStep, finished, settings, accumulator, history } = state;
  if (!isCount(epoch) || !isCount(batch) || !isCount(globalStep)) {
    return `epoch ${JSON.stringify(epoch)}, batch ${JSON.stringify(batch)} and globalStep ${JSON.stringify(globalStep)} must be integers ≥ 0`;
  }
  if (typeof finished !== 'boolean') return `finished is ${JSON.stringify(finished)}, not a boolean`;
  if (settings === null || typeof settings !== 'object') return 'settings missing';
  const epochs = settings.epochs;
  const stepsPerEpoch = settings.stepsPerEpoch;
  if (!isCount(epochs) || epochs < 1 || !isCount(stepsPerEpoch) || stepsPerEpoch < 1) {
    return `settings.epochs ${JSON.stringify(epochs)} and settings.stepsPerEpoch ${JSON.stringify(stepsPerEpoch)} must be integers ≥ 1`;
  }
  if (epoch > epochs || batch >= stepsPerEpoch || (epoch === epochs && batch !== 0)) {
    return `position epoch ${epoch}, batch ${batch} lies outside ${epochs} epochs of ${stepsPerEpoch} steps`;
  }
  if (globalStep !== epoch * stepsPerEpoch + batch) {
    return `globalStep ${globalStep} is not epoch ${epoch} × ${stepsPerEpoch} steps + batch ${batch}`;
  }
  if (finished !== (epoch === epochs)) return `finished is ${finished} at epoch ${epoch} of ${epochs}`;
  if (accumulator === null || typeof accumulator !== 'object' || !Number.isFinite(accumulator.lossSum) ||
    !isCount(accumulator.correct) || !isCount(accumulator.examples) || !isCount(accumulator.steps) ||
    accumulator.steps !== batch || accumulator.correct > accumulator.examples) {
    return `the epoch accumulator ${JSON.stringify(accumulator)} does not match batch ${batch}`;
  }
  if (!Array.isArray(history) || history.length !== epoch) {
    return `history has ${Array.isArray(history) ? history.length : 'no'} records for ${epoch} finished epochs`;
  }
  for (const [i, record] of history.entries()) {
    if (record === null || typeof record !== 'object' || record.type !== 'epoch' || record.epoch !== i + 1 ||
      !isCount(record.step) || (record.step as number) > globalStep) {
      return `history record ${i + 1} is malformed: ${JSON.stringify(record).slice(0, 120)}`;
    }
  }
  return null;
}
