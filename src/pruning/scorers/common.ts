// Helpers shared by the scorers: input batches in the model's dtype, and gradients with unused weights as zeros.
import { Tensor, grad, noGrad, zerosLike, type Device, type GradOptions } from '../../torch/index.js';
import { BatchNorm1d, BatchNorm2d, Conv2d, Linear } from '../../nn/index.js';
import { foldBatchNorm, type FoldedBatchNorm } from './synflow-scaling.js';
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

/** Whether every prunable tensor is a conv or linear weight (no biases, no batch-norm parameters). */
export function prunableAreLayerWeights(context: ScoringContext): boolean {
  const layerWeights = new Set(context.model.namedModules()
    .filter(([, module]) => module instanceof Conv2d || module instanceof Linear).map(([, module]) => (module as Conv2d | Linear).weight));
  return context.parameters.every(({ tensor }) => layerWeights.has(tensor));
}

/**
 * For the scorers that take gradients on data: the model with its eval-mode batch norms folded into the layers
 * before them (foldBatchNorm), or null where it has none, runs them in train mode, prunes other tensors than layer
 * weights, or has a structure the folding does not know. The caller restores it after scoring.
 */
export function foldForScoring(context: ScoringContext): FoldedBatchNorm | null {
  const { model } = context;
  if (model.training || !prunableAreLayerWeights(context)) return null;
  if (!model.namedModules().some(([, module]) => module instanceof BatchNorm1d || module instanceof BatchNorm2d)) return null;
  return foldBatchNorm(model);
}

/** The scores a scorer returns: as computed when only the ranking matters, else float64 (the originals freed). */
export function finalScores(scores: Tensor[], context: ScoringContext): Tensor[] {
  if (context.rankingOnly) return scores;
  return noGrad(() => scores.map((score) => {
    if (score.dtype === 'float64') return score;
    const wide = score.to('float64');
    score.dispose();
    return wide;
  }));
}
