// The kept weights while pruning: one bool tensor over all prunable weights (layer order) with per-layer views,
// updated in place, so selections and mask multiplications need no new large tensors per iteration.
import { Tensor, keep, ones, replaceMasks_, tidy, type Device } from '../torch/index.js';
import { asBool, splitLike } from './selection/ranking.js';
import type { SelectionOutcome } from './selection/types.js';

export class SupportSet {
  readonly #shapes: { numel: number; shape: number[] }[];
  #flat: Tensor;
  #views: Tensor[];
  #kept: number;
  #layerKept: number[];
  /** The last selection's masks (bool, or Algorithm 1's scaled float32 values). */
  #masks: Tensor[] | null = null;

  constructor(parameters: readonly { tensor: Tensor }[]) {
    const device = (parameters[0]?.tensor.device ?? 'cpu') as Device;
    this.#shapes = parameters.map(({ tensor }) => ({ numel: tensor.numel, shape: tensor.shape }));
    this.#layerKept = this.#shapes.map(({ numel }) => numel);
    this.#kept = this.#layerKept.reduce((sum, numel) => sum + numel, 0);
    this.#flat = keep(ones([this.#kept], { dtype: 'bool', device }));
    this.#views = tidy(() => splitLike(this.#flat, this.#shapes)).map((view) => keep(view));
  }

  /** bool masks shaped like the parameters (true = kept). */
  get views(): readonly Tensor[] { return this.#views; }
  get kept(): number { return this.#kept; }
  /** Kept count per layer. */
  get layerKept(): readonly number[] { return this.#layerKept; }

  /**
   * Takes a selection's outcome as the new support (copied into the support's own tensor) and as the latest
   * masks. Given `zero` (tensors shaped like the parameters: the working weights), sets the entries this step
   * pruned to 0 in them, in the same pass.
   */
  update(outcome: SelectionOutcome, zero?: readonly Tensor[]): void {
    this.#layerKept = tidy(() => {
      replaceMasks_(this.#views, outcome.masks.map(asBool), zero); // without zero: the dropped masks, unused
      return outcome.counts ?? this.#views.map((view) => view.sum().item());
    });
    this.#kept = this.#layerKept.reduce((sum, count) => sum + count, 0);
    for (const mask of this.#masks ?? []) mask.dispose();
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
