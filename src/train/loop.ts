// The training loop: SGD on cross-entropy with masks held fixed, per-epoch evaluation, JSONL metrics, atomic
// checkpoints and bit-exact resume.
//
// Masked weights stay exactly zero: their gradients are zeroed before the optimizer step (so weight decay
// and momentum see zero gradient and a zero weight, and their momentum buffers stay zero), and the pruned
// weights are zeroed again after the step, as a guard.
//
// Resume is exact because everything a step depends on is either saved or a pure function of saved numbers:
// weights, buffers and momentum buffers and libtorch's generator state are in the checkpoint; the learning
// rate is a function of (epoch, batch); the batch is a function of (data seed, epoch, batch).
import fs from 'node:fs';
import path from 'node:path';
import { F, manualSeed, noGrad, setRngState, tidy, type Device } from '../torch/index.js';
import type { MaskSet, Module } from '../nn/index.js';
import { SGD, createSchedule, type LrSchedule, type SgdOptions, type ScheduleOptions } from '../optim/index.js';
import { Rng } from '../data/index.js';
import type { BatchSource } from './batches.js';
import { evaluate, modelDevice, topkCorrect, type EvalResult } from './evaluate.js';
import { checkpointPath, loadCheckpoint, saveCheckpoint, type CheckpointState, type EpochAccumulator } from './checkpoint.js';
import { MetricsLog, type MetricsLine } from './metrics-log.js';
import { createProgress, type ProgressMode, type ProgressSink } from './progress.js';
import { NonFiniteLossError } from './errors.js';
import type { DataParallel } from '../distributed/index.js';
import { agreeOnCheckpoint, broadcastMasks, broadcastReplica, evaluateTogether, matchIntegerBuffers, replicaTensors, shardBatches } from './parallel.js';

export type ScheduleSettings = Omit<ScheduleOptions, 'baseLr' | 'epochs'>;

export interface TrainOptions {
  model: Module;
  /** Masks held fixed during training; their zeros stay exactly zero. Scaled (sketch) masks must already be applied. */
  masks?: MaskSet | null;
  trainData: BatchSource;
  testData?: BatchSource | null;
  epochs: number;
  optimizer: SgdOptions;
  /** Learning-rate schedule (default: constant). baseLr is optimizer.lr. */
  schedule?: ScheduleSettings;
  /** Seeds libtorch's generator for the run (dropout and any other randomness inside the model). */
  seed: number;
  /** Where checkpoints (and, by default, metrics.jsonl) go; without it nothing is written. */
  checkpointDir?: string;
  /** Also checkpoint every N steps (checkpoints are always written at the start and at every epoch end). */
  checkpointEverySteps?: number;
  /** Continue from the checkpoint in checkpointDir. Without it an existing checkpoint is an error. */
  resume?: boolean;
  /** JSON Lines metrics file (default <checkpointDir>/metrics.jsonl; none without a checkpointDir). */
  metricsFile?: string | null;
  /** Also write a 'step' metrics line every N steps. */
  logEverySteps?: number;
  /** Evaluate on testData every N epochs (default 1); the last epoch is always evaluated. */
  evaluateEveryEpochs?: number;
  /** Stop (with a checkpoint) once this many steps are done in total; a later call with resume continues. */
  maxSteps?: number;
  /** Called after every step; an exception it throws ends the run like a crash would. */
  onStep?: (info: StepInfo) => void;
  /** Called after every epoch's record is written. */
  onEpoch?: (record: EpochRecord) => void;
  /** Display mode or a custom sink (default 'none'). */
  progress?: ProgressMode | ProgressSink;
  /** Aborting stops the run after the current step, with a checkpoint. */
  signal?: AbortSignal;
  /**
   * Data-parallel training in a process group: trainData (and testData) are the global batches, of which this
   * rank trains on its own part; gradients, metrics and batch-norm statistics are averaged over the ranks every
   * step, so N ranks of batch B train like one process of batch N×B. Rank 0 alone writes files.
   */
  distributed?: DataParallel | null;
}

export interface StepInfo {
  epoch: number;
  batch: number;
  /** Steps done, this one included. */
  globalStep: number;
  loss: number;
  correct: number;
  batchSize: number;
  lr: number;
}

export interface EpochRecord {
  type: 'epoch';
  /** Epochs finished (1-based). */
  epoch: number;
  step: number;
  lr: number;
  train_loss: number;
  train_top1: number;
  test_loss?: number;
  test_top1?: number;
  test_top5?: number;
  test_examples?: number;
  seconds: number;
  images_per_second: number;
}

export interface TrainResult {
  stopped: 'finished' | 'maxSteps' | 'aborted';
  epochsCompleted: number;
  globalStep: number;
  /** The last finished epoch's training loss and accuracy. */
  train: { loss: number; top1: number } | null;
  /** The last evaluation on testData. */
  test: EvalResult | null;
  history: EpochRecord[];
  /** The step the run resumed from, or null for a fresh start. */
  resumedFrom: number | null;
  checkpoint: string | null;
}

export async function trainModel(options: TrainOptions): Promise<TrainResult> {
  const run = startOrResume(options);
  const { position, progress, stepsPerEpoch } = run;
  if (position.finished) {
    progress.message(`run already finished (${position.globalStep} steps); nothing to train`);
    progress.close();
    return result(run, 'finished');
  }
  if (run.resumedFrom === null) writeCheckpoint(run, position);
  else progress.message(`resuming at epoch ${position.epoch + 1}, batch ${position.batch + 1}/${stepsPerEpoch} (step ${position.globalStep})`);

  const session: Session = { start: performance.now(), startStep: position.globalStep, totalSteps: options.epochs * stepsPerEpoch };
  try {
    run.model.train();
    for (let epoch = run.position.epoch; epoch < options.epochs; epoch++) {
      const resumed = epoch === run.position.epoch;
      const current: EpochTotals = {
        accumulator: resumed ? { ...run.position.accumulator } : emptyAccumulator(),
        images: 0, seconds: 0, lr: run.schedule.lrAt(epoch, 0, stepsPerEpoch),
      };
      for (let batch = resumed ? run.position.batch : 0; batch < stepsPerEpoch; batch++) {
        const stop = stopReason(run);
        if (stop) return stopRun(run, stop, epoch, batch, current.accumulator);
        current.lr = run.schedule.lrAt(epoch, batch, stepsPerEpoch);
        run.optimizer.lr = current.lr;
        const started = performance.now();
        const step = trainStep(run, epoch, batch);
        current.seconds += (performance.now() - started) / 1000;
        recordStep(run, session, current, epoch, batch, step);
        await new Promise<void>((resolve) => setImmediate(resolve)); // lets signals and timers run
      }
      endEpoch(run, epoch, current);
    }
    return result(run, 'finished');
  } finally {
    progress.close();
    run.optimizer.disposeState();
  }
}

/** Everything one call of trainModel holds: its inputs, the objects it made, and where it stands. */
interface Run {
  options: TrainOptions;
  model: Module;
  masks: MaskSet | null;
  group: DataParallel | null;
  /** This process writes files (rank 0, or the only process). */
  writer: boolean;
  /** This rank's part of the training data. */
  trainData: BatchSource;
  stepsPerEpoch: number;
  evaluateEvery: number;
  optimizer: SGD;
  schedule: LrSchedule;
  dir: string | null;
  metrics: MetricsLog | null;
  progress: ProgressSink;
  device: string;
  position: CheckpointState;
  resumedFrom: number | null;
  history: EpochRecord[];
  lastCheckpointStep: number | null;
  lastTest: EvalResult | null;
  /** Data-parallel: a stop asked for on any rank, known to all after a step's reduction. */
  stopAgreed: boolean;
}

/** This call's clock, for the progress display's rate and ETA. */
interface Session { start: number; startStep: number; totalSteps: number }

/** The running totals of the epoch being trained. */
interface EpochTotals { accumulator: EpochAccumulator; images: number; seconds: number; lr: number }

/** One step's loss (mean over the batch), correct top-1 count and batch size (global ones, data-parallel). */
interface StepOutcome { loss: number; correct: number; size: number }

/**
 * Checks the options, makes the optimizer, schedule, metrics log and progress sink, and either seeds a fresh run
 * (libtorch's generator, pruned weights zeroed) or restores the checkpoint in checkpointDir (weights, momentum
 * buffers, generator state, position) after checking it was written with the same settings.
 */
function startOrResume(options: TrainOptions): Run {
  const { model, epochs } = options;
  const masks = options.masks ?? null;
  const group = options.distributed ?? null;
  const trainData = group ? shardBatches(options.trainData, group) : options.trainData;
  const { stepsPerEpoch, evaluateEvery } = checkOptions(options, trainData);
  if (masks) masks.checkFits(model);
  if (group && masks) broadcastMasks(group, masks); // before the settings (mask densities) are taken

  const optimizer = new SGD(model.namedParameters(), options.optimizer);
  const schedule = createSchedule({ kind: 'constant', ...options.schedule, baseLr: options.optimizer.lr, epochs });
  const settings = runSettings(options, trainData, optimizer, schedule);
  const dir = options.checkpointDir ?? null;
  const metricsFile = options.metricsFile === undefined ? (dir ? path.join(dir, 'metrics.jsonl') : null) : options.metricsFile;
  const writer = !group || group.isWriter;
  const metrics = metricsFile && writer ? new MetricsLog(metricsFile) : null;
  const progress = typeof options.progress === 'object' ? options.progress : createProgress(options.progress ?? 'none');
  const device = modelDevice(model);

  const { position, resumedFrom } = resumeOrSeed(options, dir, optimizer, settings, progress);
  if (group) broadcastReplica(group, model);
  metrics?.truncateAfter(resumedFrom ?? -1);
  const history = position.history as unknown as EpochRecord[];
  const lastRecord = history[history.length - 1];
  const lastTest = lastRecord?.test_loss === undefined ? null
    : { loss: lastRecord.test_loss, top1: lastRecord.test_top1!, top5: lastRecord.test_top5!, examples: lastRecord.test_examples! };
  return {
    options, model, masks, group, writer, trainData, stepsPerEpoch, evaluateEvery, optimizer, schedule, dir, metrics, progress,
    device, position, resumedFrom, history, lastCheckpointStep: resumedFrom, lastTest, stopAgreed: false,
  };
}

/** Checks the numeric options; returns the steps per epoch (of this rank's batches) and the evaluation period. */
function checkOptions(options: TrainOptions, trainData: BatchSource): { stepsPerEpoch: number; evaluateEvery: number } {
  checkInteger('epochs', options.epochs, 1);
  checkInteger('seed', options.seed, 0);
  const stepsPerEpoch = trainData.length;
  if (!Number.isInteger(stepsPerEpoch) || stepsPerEpoch < 1) throw new RangeError(`trainModel: trainData has no batches (length ${stepsPerEpoch})`);
  if (options.checkpointEverySteps !== undefined) checkInteger('checkpointEverySteps', options.checkpointEverySteps, 1);
  if (options.logEverySteps !== undefined) checkInteger('logEverySteps', options.logEverySteps, 1);
  if (options.maxSteps !== undefined) checkInteger('maxSteps', options.maxSteps, 0);
  const evaluateEvery = options.evaluateEveryEpochs ?? 1;
  checkInteger('evaluateEveryEpochs', evaluateEvery, 1);
  return { stepsPerEpoch, evaluateEvery };
}

/**
 * Where the run starts: the checkpoint in `dir` restored into the model, the optimizer and libtorch's generator
 * (only with options.resume, and only if it was written with the same settings; data-parallel ranks first agree
 * on it), or, without one, step 0 with the generator seeded and the pruned weights zeroed.
 */
function resumeOrSeed(options: TrainOptions, dir: string | null, optimizer: SGD, settings: Record<string, unknown>,
  progress: ProgressSink): { position: CheckpointState; resumedFrom: number | null } {
  const { model } = options;
  const group = options.distributed ?? null;
  const loaded = dir ? loadCheckpoint(dir) : null;
  if (group) {
    try {
      agreeOnCheckpoint(group, loaded ? loaded.state.globalStep : null, dir);
    } catch (error) {
      loaded?.dispose();
      throw error;
    }
  }
  if (loaded?.warning) progress.message(loaded.warning);
  if (!loaded) {
    manualSeed(new Rng(options.seed, 'torch-generator').nextUint32());
    options.masks?.zeroPruned(model);
    const position = { epoch: 0, batch: 0, globalStep: 0, finished: false, settings, accumulator: emptyAccumulator(), history: [] };
    return { position, resumedFrom: null };
  }
  try {
    if (!options.resume) {
      throw new Error(`${checkpointPath(dir!)} already holds a checkpoint (epoch ${loaded.state.epoch}, step ${loaded.state.globalStep}); ` +
        'resume it (resume: true, --resume) or choose another directory');
    }
    checkSameSettings(loaded.state.settings, settings, checkpointPath(dir!));
    model.loadStateDict(loaded.model);
    optimizer.loadStateDict(loaded.optimizer);
    setRngState(loaded.rngState);
    return { position: loaded.state, resumedFrom: loaded.state.globalStep };
  } finally {
    loaded.dispose();
  }
}

/** The settings a checkpoint records; resuming with other settings is an error. */
function runSettings(options: TrainOptions, trainData: BatchSource, optimizer: SGD, schedule: LrSchedule): Record<string, unknown> {
  const masks = options.masks ?? null;
  const group = options.distributed ?? null;
  return {
    epochs: options.epochs, stepsPerEpoch: trainData.length, dataSeed: trainData.seed ?? null, seed: options.seed,
    optimizer: { lr: optimizer.lr, momentum: optimizer.momentum, dampening: optimizer.dampening, weightDecay: optimizer.weightDecay, nesterov: optimizer.nesterov },
    schedule: schedule.options,
    ...(group ? { worldSize: group.worldSize } : {}), // resume needs the same world size (each rank's part of a batch)
    // Sorted by name: the same masks in another order (a file stores names sorted) are the same run.
    masks: masks ? masks.layerDensities().map(({ name, kept }) => [name, kept]).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)) : null,
    // Which weights are kept, not just how many: another mask with the same per-layer counts is another run.
    maskDigest: masks ? masks.digest() : null,
  };
}

/** 'aborted' once the signal fired (agreed by all ranks, data-parallel), 'maxSteps' once that many are done. */
function stopReason(run: Run): 'aborted' | 'maxSteps' | null {
  const { options } = run;
  if (run.group ? run.stopAgreed : options.signal?.aborted) return 'aborted';
  return options.maxSteps !== undefined && run.position.globalStep >= options.maxSteps ? 'maxSteps' : null;
}

/** Stops before (epoch, batch) with a checkpoint of the position there. */
function stopRun(run: Run, stop: 'aborted' | 'maxSteps', epoch: number, batch: number, accumulator: EpochAccumulator): TrainResult {
  run.position = { ...run.position, epoch, batch, accumulator };
  if (run.lastCheckpointStep !== run.position.globalStep) writeCheckpoint(run, run.position);
  run.progress.message(`stopped (${stop === 'aborted' ? 'interrupted' : `maxSteps ${run.options.maxSteps}`}) at epoch ${epoch + 1}, ` +
    `batch ${batch + 1}/${run.stepsPerEpoch} (step ${run.position.globalStep})${run.dir ? `; checkpoint in ${checkpointPath(run.dir)}` : ''}`);
  return result(run, stop);
}

/**
 * One optimizer step on batch (epoch, batch): forward, loss, backward, (data-parallel) the reduction of
 * gradients, buffers and metrics over the ranks, then the masked SGD step. Every tensor it makes is released.
 */
function trainStep(run: Run, epoch: number, batch: number): StepOutcome {
  const { model, masks, group, optimizer, trainData, device } = run;
  return tidy(() => {
    const data = trainData.batch(epoch, batch);
    const inputs = data.inputs.device === device ? data.inputs : data.inputs.to(device as Device);
    const labels = data.labels.device === device ? data.labels : data.labels.to(device as Device);
    const size = labels.size(0);
    let lossValue = 0;
    let correct = 0;
    model.zeroGrad();
    if (size > 0) { // a data-parallel rank's part of a short last batch can be empty
      // The forward pass runs in its own scope so its intermediate outputs are released before backward,
      // letting backward free each activation as soon as it has used it (as Python's refcounting does).
      const { logits, loss } = tidy(() => {
        const output = model.forward(inputs);
        return { logits: output, loss: F.crossEntropy(output, labels) };
      });
      lossValue = loss.item();
      if (!group) checkFiniteLoss(run, lossValue, epoch, batch);
      loss.backward();
      [correct] = noGrad(() => topkCorrect(logits, labels, [1]));
    }
    let outcome: StepOutcome = { loss: lossValue, correct, size };
    if (group) { // every rank gets the global batch's mean gradient and the step's global metrics
      const { parameters, buffers } = replicaTensors(model);
      const totals = group.reduceStep(parameters, buffers, { lossSum: lossValue * size, correct, examples: size, stop: run.options.signal?.aborted ?? false });
      run.stopAgreed = totals.stop;
      outcome = { loss: totals.lossSum / totals.examples, correct: totals.correct, size: totals.examples };
      checkFiniteLoss(run, outcome.loss, epoch, batch);
    }
    masks?.maskGradients(model);
    optimizer.step();
    masks?.zeroPruned(model);
    model.zeroGrad();
    trainData.prefetch?.(epoch, batch + 1); // the next batch's CPU work overlaps this step's device work
    return outcome;
  });
}

function checkFiniteLoss(run: Run, lossValue: number, epoch: number, batch: number): void {
  if (Number.isFinite(lossValue)) return;
  throw new NonFiniteLossError(`training stopped: the loss is ${lossValue} at epoch ${epoch + 1}, batch ${batch + 1}/${run.stepsPerEpoch} ` +
    `(step ${run.position.globalStep + 1}); ${lastCheckpointMessage(run.dir, run.lastCheckpointStep)}. ` +
    'Try a lower learning rate, or check the data for NaN or infinite values.', epoch, run.position.globalStep);
}

/** Adds a finished step to the totals and the position, then reports it (onStep, metrics, progress) and checkpoints every checkpointEverySteps. */
function recordStep(run: Run, session: Session, current: EpochTotals, epoch: number, batch: number, step: StepOutcome): void {
  const { options, metrics, stepsPerEpoch } = run;
  const { accumulator, lr } = current;
  current.images += step.size;
  accumulator.lossSum += step.loss * step.size;
  accumulator.correct += step.correct;
  accumulator.examples += step.size;
  accumulator.steps += 1;
  const position = { ...run.position, epoch, batch: batch + 1, globalStep: run.position.globalStep + 1, accumulator };
  run.position = position;
  options.onStep?.({ epoch, batch, globalStep: position.globalStep, loss: step.loss, correct: step.correct, batchSize: step.size, lr });
  if (metrics && options.logEverySteps && position.globalStep % options.logEverySteps === 0) {
    metrics.append({ type: 'step', epoch: epoch + 1, batch: batch + 1, step: position.globalStep, lr, loss: step.loss, top1: step.correct / step.size });
  }
  const sessionSeconds = (performance.now() - session.start) / 1000;
  const sessionSteps = position.globalStep - session.startStep;
  run.progress.step({
    epoch, epochs: options.epochs, step: batch + 1, stepsPerEpoch, globalStep: position.globalStep, totalSteps: session.totalSteps,
    loss: accumulator.lossSum / accumulator.examples, top1: accumulator.correct / accumulator.examples, lr,
    imagesPerSecond: current.images / Math.max(current.seconds, 1e-9),
    etaSeconds: (sessionSeconds / sessionSteps) * (session.totalSteps - position.globalStep),
  });
  if (options.checkpointEverySteps && position.globalStep % options.checkpointEverySteps === 0 && batch + 1 < stepsPerEpoch) {
    writeCheckpoint(run, position);
  }
}

/** Epoch end: evaluates (every evaluateEveryEpochs, and after the last), records the epoch, checkpoints, reports. */
function endEpoch(run: Run, epoch: number, current: EpochTotals): void {
  const { options, model, group, progress } = run;
  const { accumulator } = current;
  const record: EpochRecord = {
    type: 'epoch', epoch: epoch + 1, step: run.position.globalStep, lr: current.lr,
    train_loss: accumulator.lossSum / accumulator.examples, train_top1: accumulator.correct / accumulator.examples,
    seconds: current.seconds, images_per_second: current.images / Math.max(current.seconds, 1e-9),
  };
  if (options.testData && ((epoch + 1) % run.evaluateEvery === 0 || epoch + 1 === options.epochs)) {
    const test = group ? evaluateTogether(model, options.testData, group) : evaluate(model, options.testData);
    run.lastTest = test;
    if (!Number.isFinite(test.loss)) {
      throw new NonFiniteLossError(`training stopped: the test loss is ${test.loss} after epoch ${epoch + 1}; ` +
        `${lastCheckpointMessage(run.dir, run.lastCheckpointStep)}. Try a lower learning rate.`, epoch, run.position.globalStep);
    }
    Object.assign(record, { test_loss: test.loss, test_top1: test.top1, test_top5: test.top5, test_examples: test.examples });
  }
  run.history.push(record);
  run.metrics?.append(record as unknown as MetricsLine);
  run.position = { ...run.position, epoch: epoch + 1, batch: 0, accumulator: emptyAccumulator(), finished: epoch + 1 === options.epochs };
  writeCheckpoint(run, run.position);
  progress.epoch({
    epoch, epochs: options.epochs, trainLoss: record.train_loss, trainTop1: record.train_top1, seconds: record.seconds,
    imagesPerSecond: record.images_per_second, test: record.test_loss === undefined ? null
      : { loss: record.test_loss, top1: record.test_top1!, top5: record.test_top5! },
  });
  options.onEpoch?.(record);
}

/** Saves `state` with the weights, momentum buffers and generator state (rank 0 alone writes); refuses NaN weights. */
function writeCheckpoint(run: Run, state: CheckpointState): void {
  const { dir, model, group } = run;
  if (!dir) return;
  if (!parametersFinite(model)) {
    throw new NonFiniteLossError(`training stopped: a weight became NaN or infinite by step ${state.globalStep}; ` +
      `${lastCheckpointMessage(dir, run.lastCheckpointStep)}. Try a lower learning rate.`, state.epoch, state.globalStep);
  }
  if (group) matchIntegerBuffers(group, model);
  if (run.writer) saveCheckpoint(dir, { ...state, history: run.history as unknown as Record<string, unknown>[] }, model.stateDict(), run.optimizer.stateDict());
  run.lastCheckpointStep = state.globalStep;
}

function result(run: Run, stopped: TrainResult['stopped']): TrainResult {
  const { history } = run;
  const last = history[history.length - 1];
  return {
    stopped, epochsCompleted: history.length, globalStep: run.position.globalStep,
    train: last ? { loss: last.train_loss, top1: last.train_top1 } : null, test: run.lastTest, history: [...history],
    resumedFrom: run.resumedFrom, checkpoint: run.dir ? checkpointPath(run.dir) : null,
  };
}

function emptyAccumulator(): EpochAccumulator { return { lossSum: 0, correct: 0, examples: 0, steps: 0 }; }

function parametersFinite(model: Module): boolean {
  return noGrad(() => tidy(() => model.parameters().every((parameter) => parameter.isfinite().all().item() === 1)));
}

function lastCheckpointMessage(dir: string | null, step: number | null): string {
  if (!dir) return 'no checkpoint directory was given, so nothing was saved';
  if (step === null) return 'no checkpoint was written yet';
  return `the last good checkpoint (step ${step}) is kept in ${checkpointPath(dir)}`;
}

function checkSameSettings(saved: Record<string, unknown>, current: Record<string, unknown>, file: string): void {
  const differing = [...new Set([...Object.keys(saved), ...Object.keys(current)])]
    .filter((key) => !(key === 'maskDigest' && !(key in saved))) // checkpoints written before the digest existed
    .filter((key) => JSON.stringify(saved[key]) !== JSON.stringify(current[key]));
  if (differing.length > 0) {
    const detail = differing.map((key) => `${key}: checkpoint ${JSON.stringify(saved[key])}, now ${JSON.stringify(current[key])}`).join('; ');
    throw new Error(`cannot resume ${file}: it was written by a run with other settings (${detail})`);
  }
}

function checkInteger(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) throw new RangeError(`trainModel: ${name} must be an integer ≥ ${min}, got ${value}`);
}

/** True when `dir` holds a checkpoint of a finished run. */
export function isFinishedRun(dir: string): boolean {
  if (!fs.existsSync(checkpointPath(dir))) return false;
  const loaded = loadCheckpoint(dir);
  if (!loaded) return false;
  loaded.dispose();
  return loaded.state.finished;
}
