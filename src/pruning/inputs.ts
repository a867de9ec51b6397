// Input batches for the scorers that take data: the real dataset through a loader, data/'s synthetic sources
// (normal, sparse, chi, ones; random labels) or any object with next(). Shapes and class counts come from the
// model (registered models declare them) unless given.
import { createInputSource, inputSourceKinds, type InputSourceKind } from '../data/synthetic.js';
import type { DataLoader } from '../data/loader.js';
import type { Device } from '../torch/index.js';
import type { Module } from '../nn/index.js';
import type { BatchSource, ScorerEntry } from './scorers/types.js';

export interface PruneInputOptions {
  /** A source kind, or an object whose next() returns {inputs, labels}. */
  source?: InputSourceKind | BatchSource;
  /** Examples per batch (synthetic sources; a loader has its own). */
  batchSize?: number;
  /** Batches per scoring pass (default 1). */
  batches?: number;
  /** The data loader for source 'real'. */
  loader?: DataLoader;
  /** Per-channel mean and std of normal/sparse draws (default 0 and 1: normalized data). */
  mean?: number[];
  std?: number[];
  /** Length of the normal vector behind each chi entry (default 128). */
  n?: number;
  /** Where synthetic batches are made (default: the model's device, set by prune()). */
  device?: Device;
  /** [C, H, W] and class count, for models that do not declare them. */
  inputShape?: number[];
  numClasses?: number;
}

export interface InputDescription { source: string; batchSize: number; batches: number }

const defaultBatchSize: Record<string, number> = { snip: 256, grasp: 256, 'ntk-sketch': 32, synflow: 1 };

export function resolveInput(entry: ScorerEntry, model: Module, options: PruneInputOptions = {}):
  { source: BatchSource | null; description: InputDescription | null } {
  if (!entry.needsInput) return { source: null, description: null };
  if (options === null || typeof options !== 'object') throw new TypeError(`input must be an object, got ${JSON.stringify(options)}`);
  const batches = options.batches ?? entry.defaultInput?.batches ?? 1;
  if (!Number.isInteger(batches) || batches < 1) throw new RangeError(`input.batches must be a positive integer, got ${JSON.stringify(batches)}`);
  const kind = options.source ?? (options.loader ? 'real' : entry.defaultInput?.source);
  if (kind === undefined) {
    throw new Error(`${entry.name} needs input data: pass input.source (real with input.loader, or normal, sparse, chi, ones)`);
  }
  if (typeof kind === 'object') {
    if (typeof kind.next !== 'function') throw new TypeError('input.source must be a source name or an object with next()');
    return { source: kind, description: { source: 'custom', batchSize: options.batchSize ?? 0, batches } };
  }
  if (!inputSourceKinds.includes(kind as InputSourceKind)) {
    throw new TypeError(`unknown input source '${String(kind)}'; expected one of ${inputSourceKinds.join(', ')}`);
  }
  if (kind === 'real') {
    if (!options.loader) throw new Error(`input source 'real' needs input.loader (a DataLoader over the dataset)`);
    return {
      source: createInputSource('real', { loader: options.loader }),
      description: { source: 'real', batchSize: options.loader.batchSize, batches },
    };
  }
  const declared = model as Module & { inputShape?: number[]; numClasses?: number };
  const shape = options.inputShape ?? declared.inputShape;
  const numClasses = options.numClasses ?? declared.numClasses ?? 10;
  if (!shape) throw new Error(`input source '${kind}' needs input.inputShape: ${model.constructor.name} does not declare one`);
  const batchSize = options.batchSize ?? entry.defaultInput?.batchSize ?? defaultBatchSize[entry.name] ?? 256;
  const source = createInputSource(kind as Exclude<InputSourceKind, 'real'>, {
    shape, batchSize, numClasses, mean: options.mean, std: options.std, n: options.n, device: options.device,
  });
  return { source, description: { source: kind, batchSize, batches } };
}
