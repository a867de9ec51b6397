// What a selection turns scores into: masks for one pruning iteration.
import type { Tensor } from '../../torch/index.js';

export type Scope = 'global' | 'local';
export const scopeNames: readonly Scope[] = ['global', 'local'];

/**
 * How many weights a density keeps. 'round' (default): exactly round(d·N), ties at the threshold broken by
 * position. 'synaptic-flow': Synaptic-Flow's rule (its Pruner._global_mask/_local_mask): k = ⌊(1 − d)·N⌋ over all N
 * weights, t = the k-th smallest score with every pruned weight counting as score 0 (as masked weights score in
 * its SynFlow and GraSP), and the survivors scoring above t are kept, so every weight tied with t is pruned; the
 * kept count is about ⌈d·N⌉ and lower when scores tie.
 */
export type KeepRule = 'round' | 'synaptic-flow';
export const keepRules: readonly KeepRule[] = ['round', 'synaptic-flow'];

/**
 * Readings of the paper's Section 8 for sketch-random: the per-layer count c from the threshold, then c draws ∝
 * score without replacement (default: exactly c kept) or with replacement (Algorithm 1's draws: ≤ c distinct
 * kept); the kept weights carry 1 (binary, default) or Algorithm 1's value (draws of i)/(c·p_i) with p the
 * layer's scores normalized (scaled).
 */
export interface RandomMaskOptions {
  replacement?: boolean;
  values?: 'binary' | 'scaled';
}
export const maskValueKinds = ['binary', 'scaled'] as const;
/** sketch-random's default reading: without replacement, 0/1 values. */
export const randomMaskDefaults: Readonly<Required<RandomMaskOptions>> = Object.freeze({ replacement: false, values: 'binary' });

/** The reading as the run record shows it: every option, defaults filled in. */
export function recordedRandomMask(options: RandomMaskOptions): Required<RandomMaskOptions> {
  return { replacement: options.replacement ?? randomMaskDefaults.replacement, values: options.values ?? randomMaskDefaults.values };
}

export interface SelectionRequest {
  /** float64 scores shaped like the parameters (higher = keep). */
  readonly scores: readonly Tensor[];
  /** Current masks (bool, or 0/1 numbers): a weight outside them is never chosen again. */
  readonly support: readonly Tensor[];
  readonly names: readonly string[];
  /** Wanted kept fraction of all prunable weights (global) or of each layer (local), after this iteration. */
  readonly density: number;
  readonly scope: Scope;
  /** The number of weights in the support, overall and per layer, when the caller knows them (saves counting). */
  readonly survivors?: number;
  readonly layerSurvivors?: readonly number[];
  /** How the density becomes a kept count (default 'round'). */
  readonly rule?: KeepRule;
  /** Exact kept count for global scope, overriding density (IMP's per-group counts). */
  readonly keep?: number;
  /** sketch-random's reading of Section 8. */
  readonly randomMask?: RandomMaskOptions;
}

export interface SelectionOutcome {
  /** Masks shaped like the parameters: bool for 0/1 selections, float32 for Algorithm 1's scaled values. */
  masks: Tensor[];
  /** Kept count overall and per layer, when the selection knows them. */
  kept?: number;
  counts?: number[];
  /** Algorithm 1's number of draws s (sketch selection only). */
  budget?: number;
}

export interface SelectionEntry {
  readonly name: string;
  readonly describe: string;
  /** Draws at random (then `selectionAt: 'final'` can threshold every iteration but the last). */
  readonly randomized?: boolean;
  /** What run labels add for it, in the paper's wording ('rand. mask'); absent: nothing (threshold). */
  readonly label?: string;
  /** Takes RandomMaskOptions (sketch-random's readings of Section 8). */
  readonly takesRandomMask?: boolean;
  select(request: SelectionRequest): SelectionOutcome;
}
