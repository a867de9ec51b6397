// One training run from names: registry model × registry dataset × recipe, optionally with a saved mask, into
// an output directory (config, checkpoint, metrics.jsonl, final model, result.json). The `train` command is a
// thin parser over this.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkDevice, manualSeed, saveSafetensors, tidy, type Device } from '../torch/index.js';
import { MaskSet, createModel, findModel, type Module } from '../nn/index.js';
import type { ScheduleKind, Stepping } from '../optim/index.js';
import { writeFileAtomic } from '../foundations/atomic.js';
import { acquireLock, releaseLock } from '../foundations/lock.js';
import { trainModel, type StepInfo, type TrainResult } from './loop.js';
import type { ProgressMode } from './progress.js';
import { datasetShape, openRunData, type DataDescription } from './data-pipeline.js';
import { processGroup, type DataParallel } from '../distributed/index.js';
import { ensureDirectory } from '../foundations/directories.js';

export interface TrainingSpec {
  model: string;
  dataset: string;
  epochs: number;
  batchSize: number;
  lr: number;
  momentum: number;
  weightDecay: number;
  nesterov: boolean;
  schedule: ScheduleKind;
  milestones: number[];
  gamma: number;
  warmupEpochs: number;
  minLr: number;
  stepping: Stepping;
  /** Saved MaskSet (safetensors) to train with; its zeros stay zero. */
  mask: string | null;
  out: string;
  seed: number;
  resume: boolean;
  dataDir: string | null;
  device: Device;
  /** Use only the first N training / test examples (0 = all). */
  limitTrain: number;
  limitTest: number;
  augment: 'auto' | 'on' | 'off';
  testBatchSize: number;
  checkpointEverySteps: number;
  logEverySteps: number;
}

export interface TrainingRunOptions {
  progress?: ProgressMode;
  signal?: AbortSignal;
  /** Status lines (default: stderr). */
  log?: (line: string) => void;
  /** Called after every step with the model and masks (checks, custom logging); see TrainOptions.onStep. */
  onStep?: (info: StepInfo, model: Module, masks: MaskSet | null) => void;
  /**
   * Data-parallel group (default: the one torchrun-style environment variables describe, as `sketchprune launch`
   * sets them; null: train alone). spec.batchSize is then per rank; rank 0 alone logs and writes files.
   */
  distributed?: DataParallel | null;
}

export interface TrainingOutcome extends TrainResult {
  out: string;
  modelFile: string | null;
  density: number | null;
  /** This process's data-parallel rank (0 when training alone); only rank 0 wrote files. */
  rank: number;
}

export async function runTraining(spec: TrainingSpec, options: TrainingRunOptions = {}): Promise<TrainingOutcome> {
  const group = options.distributed !== undefined ? options.distributed : processGroup();
  const writer = !group || group.isWriter;
  const log = !writer ? () => {} : options.log ?? ((line: string) => process.stderr.write(line + '\n'));
  // Names first, so a typo fails before minutes of data loading.
  findModel(spec.model);
  datasetShape(spec.dataset);
  checkDevice(spec.device, '--device'); // before minutes of data loading
  if (spec.mask && !fs.existsSync(spec.mask)) throw new Error(`--mask ${spec.mask}: no such file`);

  // One process per output directory: two `train --resume` on one --out would both write its checkpoint. Under a
  // data-parallel launch rank 0 holds the lock for the whole job.
  ensureDirectory(spec.out);
  const lock = path.join(spec.out, 'running.lock');
  const holder = writer ? acquireLock(lock) : undefined;
  if (holder) {
    throw new Error(`${spec.out} is being trained by process ${holder.pid}${holder.host === os.hostname() ? '' : ` on ${holder.host}`}; ` +
      'wait for it, or choose another --out');
  }
  try {
    return await trainLocked(spec, options, log, group, writer);
  } finally {
    if (writer) releaseLock(lock);
  }
}

/**
 * The data pipeline's description of a training run. Data-parallel ranks take one GPU each (cuda:LOCAL_RANK) and
 * load their rows of each global batch (batchSize × world size) onto it.
 */
export function trainingData(spec: TrainingSpec, group: Pick<DataParallel, 'worldSize' | 'localRank'> | null = null): DataDescription {
  for (const [flag, count] of [['--limit-train', spec.limitTrain], ['--limit-test', spec.limitTest]] as const) {
    if (!Number.isInteger(count) || count < 0) throw new RangeError(`${flag} must be a non-negative integer, got ${count}`);
  }
  return {
    dataset: spec.dataset, root: spec.dataDir, trainSubset: spec.limitTrain, testSubset: spec.limitTest, seed: spec.seed,
    device: group && spec.device === 'cuda' ? `cuda:${group.localRank}` : spec.device,
    train: { batchSize: spec.batchSize * (group?.worldSize ?? 1), augment: spec.augment },
    test: { batchSize: spec.testBatchSize },
    dataParallel: group !== null,
  };
}

async function trainLocked(spec: TrainingSpec, options: TrainingRunOptions, log: (line: string) => void,
  group: DataParallel | null, writer: boolean): Promise<TrainingOutcome> {
  const description = trainingData(spec, group);
  const device = description.device;
  log(`loading ${datasetShape(spec.dataset).name} (${spec.dataDir ?? 'standard locations'})`);
  const data = openRunData(description);
  try {
    const { train: trainData, test: testData } = data;
    manualSeed(spec.seed);
    const model = createModel(spec.model, { inputShape: data.inputShape, numClasses: data.numClasses });
    if (device !== 'cpu') model.to(device);
    let masks: MaskSet | null = null;
    try {
      if (spec.mask) {
        const loaded = MaskSet.load(spec.mask).masks;
        try {
          loaded.checkFits(model);
        } catch (error) {
          loaded.dispose();
          throw new Error(`--mask ${spec.mask} does not fit ${spec.model}: ${(error as Error).message}`);
        }
        masks = device === 'cpu' ? loaded
          : new MaskSet(loaded.entries().map(([name, mask]) => [name, tidy(() => mask.to(device))]));
        if (masks !== loaded) loaded.dispose();
        masks.applyTo(model); // scaled (sketch) masks rescale the kept weights once, at the start
      }
      const density = masks ? masks.density() : null;
      if (writer) writeFileAtomic(path.join(spec.out, 'config.json'), JSON.stringify({ ...spec, ...(group ? { worldSize: group.worldSize } : {}) }, null, 2) + '\n');
      log(`training ${spec.model} on ${data.name}: ${data.trainExamples.toLocaleString('en-US')} train / ${data.testExamples.toLocaleString('en-US')} test examples, ` +
        `${model.parameterCount().toLocaleString('en-US')} parameters${density === null ? '' : `, mask density ${(100 * density).toFixed(2)}%`}, ` +
        `${spec.epochs} epochs of ${trainData.length} steps, ${data.augmented ? 'augmented' : 'no augmentation'}, device ${device}` +
        `${group ? `, ${group.worldSize} data-parallel ranks × batch ${spec.batchSize}` : ''}; output in ${spec.out}`);

      const result = await trainModel({
        model, masks, trainData, testData, epochs: spec.epochs, seed: spec.seed,
        optimizer: { lr: spec.lr, momentum: spec.momentum, weightDecay: spec.weightDecay, nesterov: spec.nesterov },
        schedule: { kind: spec.schedule, milestones: spec.milestones, gamma: spec.gamma, warmupEpochs: spec.warmupEpochs, minLr: spec.minLr, stepping: spec.stepping },
        checkpointDir: spec.out, resume: spec.resume,
        checkpointEverySteps: spec.checkpointEverySteps || undefined, logEverySteps: spec.logEverySteps || undefined,
        progress: writer ? options.progress ?? 'auto' : 'none', signal: options.signal, distributed: group,
        onStep: options.onStep ? (info) => options.onStep!(info, model, masks) : undefined,
      });
      let modelFile: string | null = null;
      if (result.stopped === 'finished' && writer) {
        modelFile = path.join(spec.out, 'model.safetensors');
        saveSafetensors(modelFile, model.stateDict(), { model: spec.model, dataset: spec.dataset });
        writeFileAtomic(path.join(spec.out, 'result.json'), JSON.stringify({
          model: spec.model, dataset: spec.dataset, seed: spec.seed, density, epochs: result.epochsCompleted, steps: result.globalStep,
          train: result.train, test: result.test,
        }, null, 2) + '\n');
      }
      model.dispose();
      return { ...result, out: spec.out, modelFile, density, rank: group?.rank ?? 0 };
    } finally {
      masks?.dispose();
    }
  } finally {
    data.dispose();
  }
}
