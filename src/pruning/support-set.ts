// The kept weights while pruning: one flat bool tensor over all prunable weights (layer order) with per-layer
// views, so selections and mask multiplications need no concatenation or conversion per iteration.
import { Tensor, cat, keep, ones, tidy } from '../torch/index.js';
import { asBool, splitLike } from './selection/ranking.js';
import type { SelectionOutcome } from './selection/types.js';

export class SupportSet {
  readonly #shapes: { numel: number; shape: number[] }[];
  #flat: Tensor;
  #views: Tensor[];
  #kept: number;
  /** The last selection's masks (bool, or Algorithm 1's scaled float32 values). */
  #masks: Tensor[] | null = null;

  constructor(parameters: readonly { tensor: Tensor }[]) {
    this.#shapes = parameters.map(({ tensor }) => ({ numel: tensor.numel, shape: tensor.shape }));
    this.#kept = this.#shapes.reduce((sum, { numel }) => sum + numel, 0);
    this.#flat = keep(ones([this.#kept], { dtype: 'bool' }));
    this.#views = tidy(() => splitLike(this.#flat, this.#shapes)).map((view) => keep(view));
  }

  /** bool masks shaped like the parameters (true = kept). */
  get views(): readonly Tensor[] { return this.#views; }
  get kept(): number { return this.#kept; }

  /** Takes a selection's outcome as the new support (and as the latest masks). */
  update(outcome: SelectionOutcome): void {
    const next = tidy(() => {
      const flat = outcome.flat ?? cat(outcome.masks.map((mask) => asBool(mask).flatten()));
      return { flat, kept: outcome.kept ?? flat.sum().item() };
    });
    this.#release();
    this.#flat = keep(next.flat);
    this.#kept = next.kept;
    this.#views = tidy(() => splitLike(this.#flat, this.#shapes)).map((view) => keep(view));
    this.#masks = outcome.masks.map((mask) => keep(mask));
  }

  /** Hands the latest masks to the caller (who disposes them); the support keeps its own tensors. */
  takeMasks(): Tensor[] {
    const masks = this.#masks ?? this.#views.map((view) => keep(view.clone()));
    this.#masks = null;
    return masks;
  }

  #release(): void {
    this.#flat.dispose();
    for (const view of this.#views) view.dispose();
    for (const mask of this.#masks ?? []) mask.dispose();
    this.#masks = null;
  }

  dispose(): void { this.#release(); }
}
