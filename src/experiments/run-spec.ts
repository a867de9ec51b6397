// The run specification: everything that determines one run (prune → train → evaluate), with defaults.
// The paper's recipe (Section 8) is the default training recipe; presets override it for CPU scale.
import type { ObjectField } from './schema-core.js';
import { validate } from './schema-core.js';
import { checkModelName, knownDatasets } from './registry.js';
import { parseDevice, type Device } from '../torch/index.js';
import { inputSourceKinds, type InputSourceKind } from '../data/index.js';
import {
  defaultSelection, findMethod, findSelection, inputSourceAliases, keepRules, maskValueKinds, methodNames, randomMaskDefaults, scopeNames, selectionNames,
} from '../pruning/index.js';

/** 'none' (no pruning: the dense baseline) and the registered methods (pruning/scorers/registry.ts). */
export const pruningMethods = (): string[] => ['none', ...methodNames()];
/** 'auto' (the method's default input) and data/'s source kinds; files may say 'data' for 'real' (its old name). */
export const inputSources = (): string[] => ['auto', ...inputSourceKinds];

export type PruningMethod = string;
export type InputSource = 'auto' | InputSourceKind;

export interface PruningSpec {
  method: PruningMethod;
  /** 'auto': the method's default input (ones for SynFlow, the labelled data, 'real', for SNIP/GraSP/NTK/IMP). */
  input: InputSource;
  /** A registered selection (pruning/selection/registry.ts). */
  selection: string;
  /** Pruning iterations; 0 = the method's default (SynFlow 100, others 1; IMP: levels to reach the density). */
  iterations: number;
  scope: 'global' | 'local';
  /** Iterative pruning with a randomized selection: randomize at every iteration, or threshold until the last. */
  selectionAt: 'every' | 'final';
  /** sketch-random: draw the per-layer count with replacement (Algorithm 1's draws; fewer distinct kept). */
  replacement: boolean;
  /** sketch-random: kept weights carry 1 (binary) or Algorithm 1's value (draws)/(count·p_i) (scaled). */
  maskValues: 'binary' | 'scaled';
  /** round(d·N) kept (round) or Synaptic-Flow's count (⌊(1−d)·N⌋ pruned, ties with the threshold pruned). */
  keepRule: 'round' | 'synaptic-flow';
  /** IMP: per-group fractions (the authors' fork) and the random data of the rand.-data rows. */
  imp: ImpSpec;
  /** Examples per scoring batch (the paper: 256 for SNIP and GraSP). */
  batchSize: number;
  /** Random-data batches averaged for data-dependent scores. */
  batches: number;
  /** n of the χ input (‖n-vector of N(0, 1/n)‖). */
  chiDimension: number;
  /** IMP: fraction of the remaining weights pruned per level, and the rewind point in iterations. */
  impPruneFraction: number;
  impRewindIterations: number;
  /** IMP: training epochs per level (0 = the run's train.epochs). */
  impEpochsPerLevel: number;
  /** Label in tables; empty = derived from method/input/selection in the paper's wording. */
  label: string;
}

export interface ImpSpec {
  /** Per-round fractions of hidden fc layers, convolutions and the output layer; absent: impPruneFraction for all. */
  fractions?: { fc: number; conv: number; output: number };
  /**
   * IMP with random data: 'fixed' (default; the authors' fork: one fixed random set of the training set's size,
   * uniform pixels normalized with the real statistics, one random label each, from the run's seed) or
   * 'stream' (fresh random batches of the run's input source every step).
   */
  randomData: 'fixed' | 'stream';
}

export interface TrainSpec {
  epochs: number;
  batchSize: number;
  lr: number;
  momentum: number;
  nesterov: boolean;
  weightDecay: number;
  /** Epochs after which the LR is multiplied by gamma. */
  milestones: number[];
  gamma: number;
  warmupEpochs: number;
  /** Cap on optimizer steps per epoch (0 = the whole training set): for quick CPU runs. */
  maxStepsPerEpoch: number;
  /** Evaluate on the test split every this many epochs (the last epoch always). */
  evalEvery: number;
}

export interface DataSpec {
  /** Dataset directory; empty = the standard locations (e.g. /usr/share/datasets/fashion-mnist). */
  root: string;
  /** Use only the first N training / test examples (0 = all). */
  trainSubset: number;
  testSubset: number;
  augment: 'auto' | 'on' | 'off';
}

export interface AnalysisSpec {
  /** Save histograms of the kept weights' initial values (Figure 1a). */
  weightHistogram: boolean;
  /** Save all scores and kept scores for a random subset of this many weights (Figure 1b; 0 = off). */
  scoreSample: number;
  /** Per-layer Frobenius norms of the ticket vs random masks of the same layer densities (Figure 2a). */
  maskNorms: boolean;
  /** Number of random masks whose norms are compared with the final mask's (Figure 2b; 0 = off). */
  randomMasks: number;
}

export interface RunSpec {
  model: string;
  /** Extra constructor options for the model (e.g. {widths: [300, 100]} for fc). */
  modelOptions: Record<string, unknown>;
  dataset: string;
  data: DataSpec;
  pruning: PruningSpec;
  /** Kept fraction of prunable weights. */
  density: number;
  seed: number;
  train: TrainSpec;
  /** Where the run prunes, trains and evaluates: cpu, cuda or cuda:N. */
  device: Device;
  analysis: AnalysisSpec;
}

const nonNegativeInt = (doc: string, fallback: number) => ({ kind: 'number', integer: true, min: 0, default: fallback, doc }) as const;
const positiveInt = (doc: string, fallback: number) => ({ kind: 'number', integer: true, min: 1, default: fallback, doc }) as const;

export const runSchema: ObjectField = {
  kind: 'object',
  fields: {
    model: { kind: 'string', check: checkModelName, doc: 'model name from the registry' },
    modelOptions: { kind: 'record', default: {}, doc: 'constructor options for the model' },
    dataset: { kind: 'string', choices: knownDatasets, what: 'dataset', doc: 'dataset name' },
    data: {
      kind: 'object',
      fields: {
        root: { kind: 'string', default: '', doc: 'dataset directory (empty: standard locations)' },
        trainSubset: nonNegativeInt('use the first N training examples (0 = all)', 0),
        testSubset: nonNegativeInt('use the first N test examples (0 = all)', 0),
        augment: { kind: 'string', default: 'auto', choices: () => ['auto', 'on', 'off'], what: 'augment mode' },
      },
    },
    pruning: {
      kind: 'object',
      fields: {
        method: { kind: 'string', choices: pruningMethods, what: 'pruning method' },
        input: { kind: 'string', default: 'auto', choices: inputSources, aliases: inputSourceAliases, what: 'input source' },
        // A field's default cannot depend on the method: these are the defaults every built-in method declares.
        selection: { kind: 'string', default: defaultSelection, choices: selectionNames, what: 'selection' },
        iterations: nonNegativeInt('pruning iterations (0 = method default)', 0),
        scope: { kind: 'string', default: 'global', choices: () => scopeNames, what: 'scope' },
        selectionAt: { kind: 'string', default: 'every', choices: () => ['every', 'final'], what: 'selectionAt' },
        replacement: { kind: 'boolean', default: randomMaskDefaults.replacement, doc: 'sketch-random draws with replacement' },
        maskValues: { kind: 'string', default: randomMaskDefaults.values, choices: () => maskValueKinds, what: 'mask values' },
        keepRule: { kind: 'string', default: 'round', choices: () => keepRules, what: 'keep rule' },
        imp: {
          kind: 'object',
          fields: {
            fractions: {
              kind: 'object', optional: true, doc: 'per-round pruning fractions per layer group (the authors\' OpenLTH fork)',
              fields: Object.fromEntries(['fc', 'conv', 'output'].map((group) => [group, { kind: 'number', min: 0, max: 1 }])),
            },
            randomData: { kind: 'string', default: 'fixed', choices: () => ['fixed', 'stream'], what: 'random data' },
          },
        },
        batchSize: positiveInt('examples per scoring batch', 256),
        batches: positiveInt('scoring batches', 1),
        chiDimension: positiveInt('n of the χ input', 128),
        impPruneFraction: { kind: 'number', min: 0, minExclusive: true, max: 1, default: 0.2 },
        impRewindIterations: nonNegativeInt('IMP rewind point (iterations)', 0),
        impEpochsPerLevel: nonNegativeInt('IMP training epochs per level (0 = train.epochs)', 0),
        label: { kind: 'string', default: '', doc: 'table label (empty: derived)' },
      },
    },
    density: { kind: 'number', min: 0, minExclusive: true, max: 1, doc: 'kept fraction of prunable weights' },
    seed: nonNegativeInt('seed of initialization, pruning and data order', 0),
    train: {
      kind: 'object',
      fields: {
        epochs: nonNegativeInt('training epochs', 160),
        batchSize: positiveInt('batch size', 128),
        lr: { kind: 'number', min: 0, minExclusive: true, default: 0.1 },
        momentum: { kind: 'number', min: 0, max: 1, default: 0.9 },
        nesterov: { kind: 'boolean', default: false },
        weightDecay: { kind: 'number', min: 0, default: 1e-4 },
        milestones: { kind: 'array', of: { kind: 'number', min: 0 }, default: [80, 120] },
        gamma: { kind: 'number', min: 0, minExclusive: true, max: 1, default: 0.1 },
        warmupEpochs: { kind: 'number', min: 0, default: 0 },
        maxStepsPerEpoch: nonNegativeInt('cap on steps per epoch (0 = all)', 0),
        evalEvery: positiveInt('evaluate every N epochs', 1),
      },
    },
    device: { kind: 'string', default: 'cpu', check: checkDeviceName, doc: 'cpu, cuda or cuda:N' },
    analysis: {
      kind: 'object',
      fields: {
        weightHistogram: { kind: 'boolean', default: false },
        scoreSample: nonNegativeInt('weights sampled for the score histogram (0 = off)', 0),
        maskNorms: { kind: 'boolean', default: false },
        randomMasks: nonNegativeInt('random masks for the norm distribution (0 = off)', 0),
      },
    },
  },
};

function checkDeviceName(text: string): string | undefined {
  try { parseDevice(text); return undefined; } catch { return `unknown device "${text}" (expected cpu, cuda or cuda:N)`; }
}

export function validateRunSpec(value: unknown, source: string, root = ''): RunSpec {
  return validate<RunSpec>(value, runSchema, source, root);
}

/** The input source actually used: 'auto' resolved by the method's defaults (the labelled data for data-free ones). */
export function resolvedInput(pruning: PruningSpec): InputSourceKind {
  if (pruning.input !== 'auto') return pruning.input;
  return pruning.method === 'none' ? 'real' : findMethod(pruning.method).defaults.input?.source ?? 'real';
}

/** The table label in the paper's wording, e.g. "SynFlow + rand. mask + χ", "SNIP + sparse data + rand. mask". */
export function methodLabel(pruning: PruningSpec): string {
  if (pruning.label !== '') return pruning.label;
  const entry = pruning.method === 'none' ? null : findMethod(pruning.method);
  const name = entry?.label ?? 'Dense';
  const input = resolvedInput(pruning);
  const word = input === 'real' ? 'data' : input; // the labels said 'data' before the source was renamed 'real'
  const parts = [name];
  let suffix: string | undefined; // SynFlow's χ goes last, as in the paper's Table 1 header
  if (entry && entry.needs !== 'none') {
    if (entry.needs === 'one-example') {
      if (input === 'chi') suffix = 'χ';
      else if (input !== entry.defaults.input?.source) parts.push(`${word} input`);
    } else if (input === 'real') {
      parts[0] = `${name} (supervised)`;
    } else if (entry.trains) {
      parts.push('rand. data'); // trained on random data: its own kind of input (imp.randomData)
    } else {
      parts.push(`${word} data`);
    }
  }
  if (entry?.trains && input !== 'real' && pruning.imp?.randomData === 'stream') parts[parts.length - 1] += ' (stream)';
  const selectionLabel = findSelection(pruning.selection).label;
  if (selectionLabel) parts.push(selectionLabel);
  if (suffix) parts.push(suffix);
  // readings of Section 8 other than the default (without replacement, 0/1, every iteration)
  const reading = [
    pruning.replacement ? 'with repl.' : '', pruning.maskValues === 'scaled' ? 'scaled' : '',
    findSelection(pruning.selection).randomized && pruning.selectionAt === 'final' ? 'last iter.' : '',
    pruning.keepRule === 'synaptic-flow' ? 'Synaptic-Flow count' : '',
  ].filter(Boolean);
  return parts.join(' + ') + (reading.length > 0 ? ` (${reading.join(', ')})` : '');
}
