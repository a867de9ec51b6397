// The types that prune(), the method registry and the methods share (imp.ts, prune.ts and the registry import
// these; none of them imports another's module for a type, so src/pruning has no import cycle).
import type { Device, Tensor } from '../torch/index.js';
import type { MaskSet, Module, PrunableOptions } from '../nn/index.js';
import type { DataLoader, InputSourceKind } from '../data/index.js';
import type { DensitySpec, ScheduleName } from './density.js';
import type { KeepRule, RandomMaskOptions, Scope, SelectionEntry } from './selection/types.js';
import type { BatchSource, Scorer, ScorerOptions } from './scorers/types.js';
import type { PruneRecord } from './record.js';
import type { PrunableParameter } from './working-weights.js';

export type SelectionAt = 'every' | 'final';
export type Precision = 'float32' | 'float64';

export interface PruneOptions extends DensitySpec {
  /** A registered method (sketchprune prune --help lists them): random, magnitude, snip, grasp, synflow, ntk-sketch, imp, … */
  method: string;
  /** A registered selection (default: the method's, threshold for all built-in ones). */
  selection?: string;
  /** global or local (default: the method's, global for all built-in ones). */
  scope?: Scope;
  /** Pruning iterations (default: the method's: 100 for synflow, 1 otherwise; IMP: rounds). */
  iterations?: number;
  /** Density schedule over the iterations (default exponential). */
  schedule?: ScheduleName;
  /**
   * Where a randomized selection (sketch-random, sketch) acts in iterative pruning: at every iteration (default)
   * or only at the final one, with thresholding before it.
   */
  selectionAt?: SelectionAt;
  /**
   * sketch-random's reading of Section 8: draws with or without replacement (default without), kept weights 0/1 or
   * Algorithm 1's scaled values (default binary).
   */
  randomMask?: RandomMaskOptions;
  /**
   * How a density becomes a kept count: 'round' (default: exactly round(d·N)) or 'synaptic-flow' (its
   * ⌊(1 − d)·N⌋ pruned and every score tied with the threshold pruned too), which reproduces Synaptic-Flow's
   * iterative SynFlow masks exactly on the same weights and scores.
   */
  keepRule?: KeepRule;
  input?: PruneInputOptions;
  /** Seeds libtorch's generator for the run (default 0); the caller's random stream is restored afterwards. */
  seed?: number;
  /** Which parameters are prunable (default: conv and linear weights). */
  prunable?: PrunableOptions;
  /** Batch norm in train mode while scoring (default false: eval mode, as Synaptic-Flow). */
  trainMode?: boolean;
  /** GraSP's temperature (default 200). */
  temperature?: number;
  /** The method's arithmetic, one of its `precisions` (SynFlow: 'float32', scaled so nothing under- or overflows, or 'float64'). */
  precision?: Precision;
  /** IMP's training functions and rounds (methods that train between rounds). */
  imp?: ImpOptions;
  /** Also return the first iteration's scores (those of the unpruned model), e.g. for score histograms. */
  keepScores?: boolean;
  onProgress?: (progress: PruneProgress) => void;
}

export interface PruneProgress {
  /** 1-based iteration just finished, of `iterations`. */
  iteration: number;
  iterations: number;
  /** The schedule's density for this iteration and the kept count it produced. */
  density: number;
  kept: number;
  elapsedMs: number;
  /** The 0/1 masks after this iteration, in parameter order (valid only during the callback). */
  masks: readonly Tensor[];
}

export interface PruneResult {
  masks: MaskSet;
  record: PruneRecord;
  /** With keepScores: the unpruned model's scores by parameter name (float64; the caller disposes them). */
  scores?: Map<string, Tensor>;
}

/** scoreModel's options: those of prune() that a single scoring pass reads. */
export type ScoreOptions = Pick<PruneOptions, 'method' | 'input' | 'seed' | 'prunable' | 'trainMode' | 'temperature' | 'precision'>;

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

export interface ImpOptions {
  /**
   * Trains the model in place with the masks applied (weights outside them start at zero and must stay zero,
   * e.g. masks.zeroPruned(model) after each step). Round is 1-based.
   */
  train: (model: Module, masks: MaskSet, round: number, rounds: number) => Promise<void> | void;
  /** Trains the dense model up to the rewind point (e.g. 1000–6000 iterations); without it IMP rewinds to init. */
  warmup?: (model: Module) => Promise<void> | void;
  /** Alternative to a round count: prune at most this fraction of the survivors per round (OpenLTH: 0.2). */
  pruneFraction?: number;
  /**
   * Per-group fractions instead (the authors' fork of OpenLTH: fc 0.2, conv 0.1, output 0.1): each round prunes
   * ⌈f·survivors⌉ of each group by that group's own global |w| threshold. Groups: conv = 4-D weights, output = the
   * last 2-D weight in model order, fc = the other 2-D weights. A fraction may be 0 (the group is never pruned).
   */
  fractions?: GroupFractions;
}

export interface GroupFractions { fc: number; conv: number; output: number }

/**
 * What a method reads: nothing (data-free: random, magnitude), labelled batches (SNIP, GraSP, NTK sketch; IMP
 * trains on them), or one example (SynFlow's R = Σ f(1; |θ|): all ones by default, χ or another source instead).
 */
export type InputNeeds = 'none' | 'batches' | 'one-example';

export interface InputDefaults {
  /** 'real' is the dataset's labelled examples (experiment files also accept the old name 'data'). */
  source: InputSourceKind;
  /** Examples per batch (one-example methods: 1). */
  batchSize: number;
  /** Batches per scoring pass. */
  batches: number;
}

export interface MethodDefaults {
  /** Pruning iterations (IMP: rounds). */
  iterations: number;
  /** The input a method that reads data uses when the caller names none; null for data-free methods. */
  input: InputDefaults | null;
  selection: string;
  scope: Scope;
}

/** The settings prune() checked, handed to a method's run(). */
export interface MethodRun {
  density: number;
  selection: SelectionEntry;
  scope: Scope;
  schedule: ScheduleName;
  selectionAt: SelectionAt;
  seed: number;
  keepRule: KeepRule;
  randomMask?: RandomMaskOptions;
  /** Given by the caller (absent: the method's default or its own rule, e.g. IMP's pruneFraction). */
  iterations?: number;
  /** performance.now() when prune() started. */
  started: number;
  /** The caller's options as given (a method reads its own, e.g. options.imp). */
  options: PruneOptions;
}

interface MethodFacts {
  readonly name: string;
  readonly describe: string;
  /** The name in tables, in the paper's wording ('SynFlow', 'NTK sketch'). */
  readonly label: string;
  readonly needs: InputNeeds;
  readonly defaults: MethodDefaults;
  /** The arithmetic it offers, the default first; absent: none to choose. */
  readonly precisions?: readonly Precision[];
  /**
   * Bumped when a method's runs change meaning: the run hash then includes `<name>Revision`, so a runs directory
   * never passes off an old result as a new one (IMP: 2).
   */
  readonly revision?: number;
}

/** A method that scores the masked model in every iteration (prune()'s loop). */
export interface ScoringMethod extends MethodFacts {
  readonly trains: false;
  create(options: ScorerOptions): Scorer;
  /** Options the run record should show (GraSP: its temperature). */
  recordOptions?(options: ScorerOptions): Record<string, unknown>;
}

/**
 * A method that trains between rounds (IMP): it runs its own loop, with training injected through the options,
 * so `sketchprune prune` (which does not train) refuses it and experiments run it.
 */
export interface TrainingMethod extends MethodFacts {
  readonly trains: true;
  run(model: Module, parameters: PrunableParameter[], run: MethodRun): Promise<PruneResult>;
}

export type MethodEntry = ScoringMethod | TrainingMethod;
