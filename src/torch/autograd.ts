// Autograd entry points beyond Tensor.backward: grad() with double backward, and no-grad regions.
import { native } from './native.js';
import { Tensor } from './tensor.js';

export interface GradOptions {
  /** Seeds for non-scalar outputs (default: ones for scalars). */
  gradOutputs?: (Tensor | null)[];
  retainGraph?: boolean;
  /** Record the gradient computation itself, so gradients of gradients work (Hessian-vector products). */
  createGraph?: boolean;
  /** Return null for inputs the outputs do not depend on, instead of throwing. */
  allowUnused?: boolean;
}

/** d(sum of outputs)/d(inputs), as torch.autograd.grad. */
export function grad(outputs: Tensor | Tensor[], inputs: Tensor[], options: GradOptions = {}): (Tensor | null)[] {
  const outputList = Array.isArray(outputs) ? outputs : [outputs];
  const result = native.grad(
    outputList.map((t) => t.handle), inputs.map((t) => t.handle),
    options.gradOutputs ? options.gradOutputs.map((t) => (t ? t.handle : null)) : null,
    options.retainGraph ?? null, options.createGraph ?? false, options.allowUnused ?? false);
  return result.map((handle) => (handle ? new Tensor(handle) : null));
}

/** Runs fn with gradient recording off (as torch.no_grad). */
export function noGrad<T>(fn: () => T): T { return withGradEnabled(false, fn); }

/** Runs fn with gradient recording on, even inside noGrad. */
export function enableGrad<T>(fn: () => T): T { return withGradEnabled(true, fn); }

function withGradEnabled<T>(enabled: boolean, fn: () => T): T {
  const previous = native.setGradEnabled(enabled);
  try {
    return fn();
  } finally {
    native.setGradEnabled(previous);
  }
}

export function isGradEnabled(): boolean {
  const previous = native.setGradEnabled(true);
  native.setGradEnabled(previous);
  return previous;
}
