// The training loop's data-parallel hooks (distributed/ does the collectives): each rank's part of every batch,
// the start-up agreement and broadcast, evaluation split over the ranks, and the buffers that must match before a
// checkpoint. Without a group the loop does not call these.
import { isFloating, noGrad, tidy, type Tensor } from '../torch/index.js';
import type { MaskSet, Module } from '../nn/index.js';
import { shardRange, type DataParallel } from '../distributed/index.js';
import type { BatchSource, LabelledBatch } from './batches.js';
import { evaluate, type EvalResult } from './evaluate.js';

/**
 * Rank `group.rank`'s part of every batch of `source` (the global batches: per-rank batch size × world size): the
 * same number of steps, disjoint parts whose union is each whole batch. A rank's part may be empty in a short
 * last batch.
 */
export function shardBatches(source: BatchSource, group: DataParallel): BatchSource {
  const part = (epoch: number, index: number): LabelledBatch => {
    if (source.rowsIn) return source.batch(epoch, index, shardRange(source.rowsIn(index), group.rank, group.worldSize));
    return tidy(() => {
      const whole = source.batch(epoch, index);
      const rows = shardRange(whole.labels.size(0), group.rank, group.worldSize);
      return { inputs: whole.inputs.narrow(0, rows.start, rows.end - rows.start), labels: whole.labels.narrow(0, rows.start, rows.end - rows.start) };
    });
  };
  return { length: source.length, seed: source.seed, batch: part };
}

/** Throws on every rank unless all found the same checkpoint in `dir` (none, or one of the same step). */
export function agreeOnCheckpoint(group: DataParallel, checkpointStep: number | null, dir: string | null): void {
  group.agree(`the checkpoint in ${dir ?? '(no directory)'} (the step it holds, -1 = none; with several machines ` +
    'the directory must be on a filesystem all of them share)', checkpointStep ?? -1);
}

/** Gives every rank rank 0's parameters and buffers, so that training starts from identical replicas. */
export function broadcastReplica(group: DataParallel, model: Module): void {
  group.broadcastFromRankZero([...model.parameters(), ...model.namedBuffers().map(([, buffer]) => buffer)]);
}

/** Gives every rank rank 0's masks. */
export function broadcastMasks(group: DataParallel, masks: MaskSet): void {
  group.broadcastFromRankZero(masks.entries().map(([, mask]) => mask));
}

/** Rank 0's integer buffers (batch counters) on every rank; floating-point buffers are averaged every step. */
export function matchIntegerBuffers(group: DataParallel, model: Module): void {
  const integers = model.namedBuffers().map(([, buffer]) => buffer).filter((buffer) => !isFloating(buffer.dtype));
  if (integers.length > 0) group.broadcastFromRankZero(integers);
}

/** evaluate() over all ranks: each takes its part of every test batch, and the sums are reduced. */
export function evaluateTogether(model: Module, data: BatchSource, group: DataParallel): EvalResult {
  const sharded = shardBatches(data, group);
  const own: number[] = [];
  for (let index = 0; index < data.length; index++) {
    const size = data.rowsIn ? data.rowsIn(index) : null;
    const rows = size === null ? null : shardRange(size, group.rank, group.worldSize);
    if (rows === null || rows.end > rows.start) own.push(index);
  }
  const local = own.length === 0 ? null : evaluate(model, { length: own.length, batch: (epoch, i) => sharded.batch(epoch, own[i]) });
  const [lossSum, top1, top5, examples] = group.allReduceNumbers(local
    ? [local.loss * local.examples, local.top1 * local.examples, local.top5 * local.examples, local.examples] : [0, 0, 0, 0]);
  if (examples === 0) throw new Error('evaluate: the data source has no examples');
  return { loss: lossSum / examples, top1: Math.round(top1) / examples, top5: Math.round(top5) / examples, examples };
}

/** The model's parameters and buffers, for the per-step reduction. */
export function replicaTensors(model: Module): { parameters: Tensor[]; buffers: Tensor[] } {
  return noGrad(() => ({ parameters: model.parameters(), buffers: model.namedBuffers().map(([, buffer]) => buffer) }));
}
