// What a selection turns scores into: masks for one pruning iteration.
import type { Tensor } from '../../torch/index.js';

export type Scope = 'global' | 'local';
export const scopeNames: readonly Scope[] = ['global', 'local'];

export interface SelectionRequest {
  /** float64 scores shaped like the parameters (higher = keep). */
  readonly scores: readonly Tensor[];
  /** Current 0/1 masks: a weight outside them is never chosen again. */
  readonly support: readonly Tensor[];
  readonly names: readonly string[];
  /** Wanted kept fraction of all prunable weights (global) or of each layer (local), after this iteration. */
  readonly density: number;
  readonly scope: Scope;
}

export interface SelectionOutcome {
  /** float32 masks: 0/1, or Algorithm 1's scaled values 1/(s·p_i) per draw. */
  masks: Tensor[];
  /** Algorithm 1's number of draws s (sketch selection only). */
  budget?: number;
}

export interface SelectionEntry {
  readonly name: string;
  readonly describe: string;
  select(request: SelectionRequest): SelectionOutcome;
}
