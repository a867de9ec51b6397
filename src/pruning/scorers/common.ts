// Helpers shared by the scorers: input batches in the model's dtype, and gradients with unused weights as zeros.
import { Tensor, grad, noGrad, zerosLike, type Device, type GradOptions } from '../../torch/index.js';
import type { InputBatch } from '../../data/index.js';
import type { BatchSource, ScoringContext } from './types.js';

export function requireInput(context: ScoringContext, scorer: string): BatchSource {
  if (!context.input) throw new Error(`${scorer} needs input batches (input.source real, normal, sparse, chi or ones)`);
  return context.input;
}

/** The next batch with inputs cast to the weights' dtype (float64 when the model runs in float64). */
export function nextBatch(source: BatchSource, like: Tensor): InputBatch {
  const batch = source.next();
  if (!batch || !(batch.inputs instanceof Tensor)) throw new TypeError('input source returned no {inputs, labels} batch');
  let inputs = batch.inputs.dtype === like.dtype ? batch.inputs : batch.inputs.to(like.dtype);
  let labels = batch.labels;
  if (inputs.device !== like.device) inputs = inputs.to(like.device as Device);
  if (labels.device !== like.device) labels = labels.to(like.device as Device);
  return { inputs, labels };
}

/** d(outputs)/d(weights); weights the outputs do not reach get zero gradients. */
export function gradients(outputs: Tensor, weights: readonly Tensor[], options: GradOptions = {}): Tensor[] {
  const result = grad(outputs, [...weights], { ...options, allowUnused: true });
  return result.map((gradient, index) => gradient ?? noGrad(() => zerosLike(weights[index])));
}

/** The device a tensor lives on, as creation options take it. */
export const deviceOf = (tensor: Tensor): Device => tensor.device as Device;

export const weightsOf = (context: ScoringContext): Tensor[] => context.parameters.map(({ tensor }) => tensor);
