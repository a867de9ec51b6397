// Input batches for the methods that read data: the real dataset through a loader, data/'s synthetic sources
// (normal, sparse, chi, ones; random labels) or any object with next(). Shapes and class counts come from the
// model (registered models declare them) unless given; batch size and count default to the method's.
import { createInputSource, inputSourceKinds, type InputSourceKind } from '../data/synthetic.js';
import type { Module } from '../nn/index.js';
import type { BatchSource } from './scorers/types.js';
import type { MethodEntry, PruneInputOptions } from './types.js';

export type { PruneInputOptions } from './types.js';

export interface InputDescription { source: string; batchSize: number; batches: number }

/**
 * Other names of input sources: experiment files said `data` for the labelled dataset, which the library, the
 * CLI and the run records call `real`. Both are accepted; `real` is the one written back.
 */
export const inputSourceAliases: Readonly<Record<string, InputSourceKind>> = Object.freeze({ data: 'real' });

/** The source kind a name means ('data' → 'real'), or undefined for an unknown name. */
export function canonicalInputSource(name: string): InputSourceKind | undefined {
  const kind = inputSourceAliases[name] ?? name;
  return inputSourceKinds.includes(kind as InputSourceKind) ? kind as InputSourceKind : undefined;
}

export function resolveInput(entry: MethodEntry, model: Module, options: PruneInputOptions = {}):
  { source: BatchSource | null; description: InputDescription | null } {
  if (entry.needs === 'none') return { source: null, description: null };
  if (options === null || typeof options !== 'object') throw new TypeError(`input must be an object, got ${JSON.stringify(options)}`);
  const defaults = entry.defaults.input;
  const batches = options.batches ?? defaults?.batches ?? 1;
  if (!Number.isInteger(batches) || batches < 1) throw new RangeError(`input.batches must be a positive integer, got ${JSON.stringify(batches)}`);
  const given = options.source ?? (options.loader ? 'real' : undefined);
  if (given === undefined && (defaults === null || defaults.source === 'real')) {
    throw new Error(`${entry.name} needs input data: pass input.source (real with input.loader, or normal, sparse, chi, ones)`);
  }
  const named = given ?? defaults!.source;
  if (typeof named === 'object') {
    if (typeof named.next !== 'function') throw new TypeError('input.source must be a source name or an object with next()');
    return { source: named, description: { source: 'custom', batchSize: options.batchSize ?? 0, batches } };
  }
  const kind = canonicalInputSource(named);
  if (kind === undefined) {
    throw new TypeError(`unknown input source '${String(named)}'; expected one of ${inputSourceKinds.join(', ')}`);
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
  const batchSize = options.batchSize ?? defaults?.batchSize ?? 256;
  const source = createInputSource(kind, {
    shape, batchSize, numClasses, mean: options.mean, std: options.std, n: options.n, device: options.device,
  });
  return { source, description: { source: kind, batchSize, batches } };
}
