// What a selection turns scores into: masks for one pruning iteration.
import type { Tensor } from '../../torch/index.js';

export type Scope = 'global' | 'local';
export const scopeNames: readonly Scope[] = ['global', 'local'];

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
  select(request: SelectionRequest): SelectionOutcome;
}
