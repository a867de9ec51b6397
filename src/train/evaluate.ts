// Evaluation: mean cross-entropy and top-k accuracy over a whole BatchSource, in eval mode without gradients.
import { F, noGrad, tidy, type Device, type Tensor } from '../torch/index.js';
import type { Module } from '../nn/index.js';
import type { BatchSource } from './batches.js';

export interface EvalResult {
  loss: number;
  top1: number;
  top5: number;
  examples: number;
}

/**
 * For each k in `ks`, how many rows of logits [N, C] have their label among the k largest logits
 * (k is capped at C, so top-5 of a 3-class problem counts every row).
 */
export function topkCorrect(logits: Tensor, labels: Tensor, ks: number[]): number[] {
  const classes = logits.size(1);
  const largest = Math.min(classes, Math.max(...ks));
  return tidy(() => {
    const hits = logits.topk(largest, 1).indices.eq(labels.view([-1, 1]).to(logits.device as Device));
    // topk's indices are distinct, so each row holds its label at most once: counting hits counts rows.
    return ks.map((k) => hits.narrow(1, 0, Math.min(k, largest)).sum().item());
  });
}

/** The model's loss and top-1/top-5 accuracy on every batch of epoch 0 of `data` (restores the train/eval mode). */
export function evaluate(model: Module, data: BatchSource): EvalResult {
  const wasTraining = model.training;
  model.eval();
  const device = modelDevice(model);
  let lossSum = 0;
  let top1 = 0;
  let top5 = 0;
  let examples = 0;
  try {
    noGrad(() => {
      for (let index = 0; index < data.length; index++) {
        tidy(() => {
          const batch = data.batch(0, index);
          const inputs = batch.inputs.device === device ? batch.inputs : batch.inputs.to(device as Device);
          const labels = batch.labels.device === device ? batch.labels : batch.labels.to(device as Device);
          const logits = model.forward(inputs);
          if (index + 1 < data.length) data.prefetch?.(0, index + 1);
          lossSum += F.crossEntropy(logits, labels, { reduction: 'sum' }).item();
          const [hits1, hits5] = topkCorrect(logits, labels, [1, 5]);
          top1 += hits1;
          top5 += hits5;
          examples += labels.size(0);
        });
      }
    });
  } finally {
    model.train(wasTraining);
  }
  if (examples === 0) throw new Error('evaluate: the data source has no examples');
  return { loss: lossSum / examples, top1: top1 / examples, top5: top5 / examples, examples };
}

/** The device of the model's first parameter ('cpu' for a parameterless model). */
export function modelDevice(model: Module): string {
  const [first] = model.parameters();
  return first ? first.device : 'cpu';
}
