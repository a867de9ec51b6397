// Setup and teardown that every pruning method shares: the caller's random stream is saved and the run's seed set,
// the support set (kept weights) is made, and, for methods that score a masked copy, the working weights are
// swapped in. close() undoes all of it, so a method that opens a session right after checking its options and
// closes it in a `finally` leaves the caller's generator, weights, buffers and train/eval flags as they were,
// whatever throws in between (a warm-up, a round of training, a scorer).
import { getRngState, manualSeed, setRngState, type Tensor } from '../torch/index.js';
import type { Module } from '../nn/index.js';
import { SupportSet } from './support-set.js';
import { WorkingWeights, type PrunableParameter } from './working-weights.js';

export class PruneSession {
  readonly support: SupportSet;
  /** The working copies (null for a method that changes the model itself, as IMP's training does). */
  readonly working: WorkingWeights | null;
  readonly #callerRng: Tensor;
  #closed = false;

  constructor(model: Module, parameters: PrunableParameter[], options: { seed: number; workingWeights: boolean }) {
    this.#callerRng = getRngState();
    let support: SupportSet | null = null;
    try {
      manualSeed(options.seed);
      support = new SupportSet(parameters);
      this.working = options.workingWeights ? new WorkingWeights(model, parameters) : null;
    } catch (error) {
      support?.dispose();
      this.#restoreRng();
      throw error;
    }
    this.support = support;
  }

  /** Disposes the support set, puts the caller's weights back and restores the caller's random stream. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.support.dispose();
      this.working?.restore();
    } finally {
      this.#restoreRng();
    }
  }

  #restoreRng(): void {
    setRngState(this.#callerRng);
    this.#callerRng.dispose();
  }
}
