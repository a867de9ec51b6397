// The pruning loop scores a masked copy of the model: prunable weights are swapped for working copies (so the
// caller's weight tensors keep their identity and values), batch-norm buffers and train/eval flags are saved, and
// everything is put back at the end, even when scoring throws.
import { Tensor, keep, noGrad, tidy } from '../torch/index.js';
import { Module, prunableParameters, type PrunableOptions } from '../nn/index.js';

export interface PrunableParameter {
  readonly name: string;
  readonly tensor: Tensor;
}

/** The prunable parameters of a model in model order; throws a clear error when there are none. */
export function collectPrunable(model: Module, options: PrunableOptions = {}): PrunableParameter[] {
  if (!(model instanceof Module)) {
    throw new TypeError(`prune: model must be an nn Module, got ${model === null ? 'null' : typeof model}`);
  }
  const found = prunableParameters(model, options);
  if (found.length === 0) {
    const what = ['conv and linear weights', options.biases ? 'biases' : '', options.batchNorm ? 'batch-norm parameters' : '']
      .filter(Boolean).join(', ');
    throw new Error(`${model.constructor.name} has no prunable parameters (looked for ${what}); nothing to prune`);
  }
  return found.map(([name, tensor]) => ({ name, tensor }));
}

export class WorkingWeights {
  readonly #parameters: PrunableParameter[];
  /** Aliases of the caller's weight data, restored with setData_. */
  readonly #originals: Tensor[];
  readonly #buffers: [Tensor, Tensor][];
  readonly #training: [Module, boolean][];
  #restored = false;

  constructor(model: Module, parameters: PrunableParameter[]) {
    this.#parameters = parameters;
    this.#training = model.namedModules().map(([, module]) => [module, module.training]);
    this.#buffers = model.namedBuffers().map(([, buffer]) => [buffer, keep(buffer.clone())]);
    this.#originals = parameters.map(({ tensor }) => {
      const original = keep(tensor.detach());
      tidy(() => tensor.setData_(original.clone()));
      return original;
    });
  }

  /** The working weights (the tensors the model computes with while pruning), in parameter order. */
  get tensors(): Tensor[] { return this.#parameters.map(({ tensor }) => tensor); }

  /** The caller's weights, buffers and train/eval flags, exactly as before pruning started. */
  restore(): void {
    if (this.#restored) return;
    this.#restored = true;
    this.#parameters.forEach(({ tensor }, index) => {
      tensor.setData_(this.#originals[index]);
      this.#originals[index].dispose();
    });
    noGrad(() => { for (const [buffer, saved] of this.#buffers) { buffer.copy_(saved); saved.dispose(); } });
    for (const [module, training] of this.#training) module.training = training;
  }
}
