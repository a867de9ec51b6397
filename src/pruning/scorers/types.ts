// What every scorer sees and returns. Scores are float64, one per prunable weight, higher = keep.
import type { Tensor } from '../../torch/index.js';
import type { Module } from '../../nn/index.js';
import type { InputBatch } from '../../data/index.js';
import type { PrunableParameter } from '../working-weights.js';

/** Anything that yields batches: data's input sources, or a custom one (tests feed fixed inputs). */
export interface BatchSource {
  next(): InputBatch;
}

export interface ScoringContext {
  readonly model: Module;
  /** The prunable weights; while scoring they hold the working copies, already zero outside the masks. */
  readonly parameters: readonly PrunableParameter[];
  /** Current masks (bool, true = kept), aligned with parameters. */
  readonly support: readonly Tensor[];
  /** Batches for scorers that take data; null for data-free scorers. */
  readonly input: BatchSource | null;
  /** Batches per scoring pass. */
  readonly batches: number;
  /** 0-based pruning iteration and their count. */
  readonly iteration: number;
  readonly iterations: number;
  /**
   * Only the ranking matters (the pruning loop's selections): a scorer may return its scores times one positive
   * constant, in float32 (SynFlow's scaled float32 pass). Otherwise scores are exact and float64.
   */
  readonly rankingOnly?: boolean;
}

export interface Scorer {
  /** Scores for the current (masked) weights: float64 tensors shaped like the parameters. */
  score(context: ScoringContext): Tensor[];
  /** Puts back anything the scorer changed in the model (SynFlow's float64 |θ|). */
  dispose(): void;
  /** What the run record should say about how it scored (SynFlow: the precision it used). */
  recordOptions?(): Record<string, unknown>;
}

export interface ScorerOptions {
  /** GraSP: logits are divided by this before the loss (default 200, as the reference). */
  temperature?: number;
  /** SynFlow: 'float32' (default; scaled, exact ranking, float64 where the model's structure is unknown) or 'float64'. */
  precision?: 'float32' | 'float64';
}
