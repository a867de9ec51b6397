// Forward code frees each intermediate activation as soon as the next op has consumed it, as Python does when
// it drops the last reference. Left to the enclosing tidy(), every intermediate of a forward pass stays alive
// until the pass ends, so each op writes fresh, cache-cold memory instead of reusing the block its
// predecessor's input just released, which made forward passes markedly slower (docs/PERFORMANCE.md).
// Freeing a handle never breaks autograd: a node keeps its own reference to every tensor it saved for backward.
import type { Tensor } from '../torch/index.js';
import { Module } from './module.js';

/** A layer, or a function of one tensor (F.relu, (x) => x.flatten(1), …). */
export type Step = Module | ((input: Tensor) => Tensor);

/**
 * Applies the steps in order and returns the last output. Each intermediate output is freed once the next step
 * has used it; `input` belongs to the caller and is never freed (nor is any kept tensor).
 */
export function chain(input: Tensor, ...steps: Step[]): Tensor {
  let output = input;
  for (const step of steps) {
    const next = step instanceof Module ? step.forward(output) : step(output);
    if (output !== input) release(output, next);
    output = next;
  }
  return output;
}

/**
 * Frees an intermediate tensor now, unless it is kept (a parameter, buffer or other owned tensor) or is one of
 * `survivors` (a result that is the very same tensor, as from an identity step).
 */
export function release(tensor: Tensor, ...survivors: Tensor[]): void {
  if (tensor.kept || survivors.includes(tensor)) return;
  tensor.dispose();
}

/**
 * ReLU in place as a step, for a result made by the step before it whose op does not keep its output for
 * backward (batch norm, conv, linear, add): one buffer less per activation. Never the first step of a chain
 * (it would overwrite the caller's input).
 */
export const reluInPlace = (input: Tensor): Tensor => input.relu_();
