// The real executor of one run: build the model at its seed, prune it at initialization (or load the masks a
// previous attempt saved), train the masked model with checkpoints (resuming an interrupted run), evaluate,
// and return the result that the scheduler writes to result.json.
import fs from 'node:fs';
import path from 'node:path';
import { MaskSet, createModel, type Classifier, type Module } from '../nn/index.js';
import { checkDevice, manualSeed, noGrad, tidy, type Device } from '../torch/index.js';
import { InterruptedError, stopRequested, stopSignal } from '../foundations/interrupt.js';
import { collapseWarning, findMethod, loadMasks, randomMaskDefaults, prune, saveMasks, type PruneOptions, type PruneRecord } from '../pruning/index.js';
import { createProgress, evaluate, trainModel, type BatchSource, type TrainResult } from '../train/index.js';
import type { RunResult } from '../report/schema.js';
import { loadRunData, type RunData } from './run-data.js';
import { resolvedInput, type RunSpec } from './run-spec.js';
import { files } from './store.js';
import type { RunExecutor, RunContext } from './scheduler.js';
import { writeAnalysis, type RunAnalysis } from './analysis-file.js';
import { processGroup } from '../distributed/index.js';

// Under `sketchprune launch`, every rank executes the same run: pruning identically, training data-parallel
// (trainModel's `distributed`); rank 0 alone writes.
const isWriter = (): boolean => processGroup()?.isWriter ?? true;
import { keptWeightSample, maskNorms, randomMaskNormDistribution, scoreSample, type LayerArrays } from './analysis.js';

export const execute: RunExecutor = async (run, context) => {
  const started = performance.now();
  const cpuStart = process.cpuUsage();
  const { spec } = run;
  checkDevice(spec.device, 'device'); // before loading data: a CPU-only libtorch refuses cuda here
  const data = loadRunData(spec);
  try {
    const build = (): Classifier => {
      manualSeed(spec.seed);
      // Initialized on the CPU whatever the device, so a run's initial weights are the same on every device.
      const model = createModel(spec.model, { ...spec.modelOptions, inputShape: data.inputShape, numClasses: data.numClasses });
      if (spec.device !== 'cpu') model.to(spec.device);
      return model;
    };
    const maskFile = path.join(context.dir, files.masks);
    const rewindFile = path.join(context.dir, REWIND_FILE);
    let masks: MaskSet | null = null;
    let record: PruneRecord | null = null;
    let pruneSeconds = 0;
    if (spec.pruning.method !== 'none') {
      if (fs.existsSync(maskFile)) {
        ({ masks, record } = loadMasks(maskFile));
        masks = inModelOrder(masks, build(), spec.device);
        context.log(`masks loaded from ${maskFile} (density ${masks.density().toFixed(4)})`);
      } else {
        const pruneStarted = performance.now();
        ({ masks, record } = await pruneAtInit(spec, data, build, context, rewindFile));
        pruneSeconds = (performance.now() - pruneStarted) / 1000;
        if (isWriter()) saveMasks(masks, record, maskFile);
        context.log(`pruned with ${record.method} in ${pruneSeconds.toFixed(1)} s: density ${record.density.toFixed(4)} (${record.kept} of ${record.total} weights)`);
      }
      const collapse = record ? collapseWarning(record) : null;
      if (collapse) context.log(collapse);
    }
    if (stopRequested()) {
      masks?.dispose();
      throw new InterruptedError(`stopped before training${masks ? ' (masks saved)' : ''}`);
    }

    const model = build();
    // IMP's ticket is the rewind weights under the mask (Frankle et al.; OpenLTH), not the initial ones
    if (fs.existsSync(rewindFile)) {
      model.loadSafetensors(rewindFile);
      context.log(`final training starts from IMP's rewind point (${rewindFile})`);
    }
    let training: TrainResult | null = null;
    const trainStarted = performance.now();
    try {
      if (spec.train.epochs > 0) {
        masks?.applyTo(model); // scaled sketch masks rescale the kept weights; 0/1 masks just zero the pruned ones
        training = await trainModel({
          model, masks, trainData: data.train, testData: data.test, ...recipe(spec, spec.train.epochs),
          checkpointDir: path.join(context.dir, files.checkpoints),
          metricsFile: path.join(context.dir, files.metrics),
          resume: true,
          evaluateEveryEpochs: spec.train.evalEvery,
          distributed: processGroup(),
          progress: createProgress('lines', { stream: { write: (text: string) => context.log(text.trimEnd()) }, lineInterval: 30 }),
          signal: stopSignal(),
        });
        if (training.stopped !== 'finished') {
          throw new InterruptedError(`stopped at step ${training.globalStep} with a checkpoint in ${path.join(context.dir, files.checkpoints)}`);
        }
      } else {
        masks?.applyTo(model);
      }
      const test = training?.test ?? evaluate(model, data.test);
      const result: RunResult = {
        testAccuracy: Number.isFinite(test.top1) ? test.top1 : Number.NaN,
        top5: test.top5,
        measuredDensity: masks ? masks.density() : 1,
        seconds: (performance.now() - started) / 1000,
        // CPU time of this attempt (this process): a load-independent cost measure on a shared machine.
        cpuSeconds: cpuSecondsSince(cpuStart),
        pruneSeconds,
        trainSeconds: (performance.now() - trainStarted) / 1000,
        epochs: training?.epochsCompleted ?? 0,
        steps: training?.globalStep ?? 0,
        trainLoss: training?.train?.loss ?? null,
        trainAccuracy: training?.train?.top1 ?? null,
        testLoss: test.loss,
        resumedFromStep: training?.resumedFrom ?? null,
        layers: record?.layers.map(({ name, kept, total, density }) => ({ name, kept, total, density })) ?? [],
      };
      context.log(`test accuracy ${(100 * result.testAccuracy).toFixed(2)}% (density ${(result.measuredDensity! * 100).toFixed(2)}%)`);
      return result;
    } finally {
      model.dispose();
    }
  } finally {
    data.dispose();
  }
};

function cpuSecondsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}

/** The optimizer and schedule of the paper's recipe, with the run's numbers. */
function recipe(spec: RunSpec, epochs: number) {
  const t = spec.train;
  const milestones = t.milestones.filter((m) => m < epochs);
  return {
    epochs,
    seed: spec.seed,
    optimizer: { lr: t.lr, momentum: t.momentum, weightDecay: t.weightDecay, nesterov: t.nesterov },
    schedule: milestones.length > 0
      ? { kind: 'multistep' as const, milestones, gamma: t.gamma, warmupEpochs: t.warmupEpochs }
      : { kind: 'constant' as const, warmupEpochs: t.warmupEpochs },
  };
}

/** IMP's rewind point (weights and buffers), the start of the final training; written before the masks. */
export const REWIND_FILE = 'rewind.safetensors';

/**
 * Prunes a freshly built model; writes analysis.json when the run asks for figure data, and for IMP the rewind
 * point (where prune() leaves the model) to `rewindFile`.
 */
async function pruneAtInit(spec: RunSpec, data: RunData, build: () => Classifier, context: RunContext, rewindFile: string): Promise<{ masks: MaskSet; record: PruneRecord }> {
  const model = build();
  const initial = snapshotWeights(model); // before pruning (IMP trains the model in place)
  const p = spec.pruning;
  const entry = findMethod(p.method);
  const kind = resolvedInput(p);
  const analysis: RunAnalysis = {};
  const rewind: { weights?: Map<string, Float32Array> } = {}; // IMP's rewind point, seen at its first round
  const wantsScores = spec.analysis.scoreSample > 0 && !entry.trains; // a trained model has no initial scores
  const options: PruneOptions = {
    method: p.method,
    density: spec.density,
    selection: p.selection,
    scope: p.scope,
    selectionAt: p.selectionAt,
    ...(p.replacement !== randomMaskDefaults.replacement || p.maskValues !== randomMaskDefaults.values
      ? { randomMask: { replacement: p.replacement, values: p.maskValues } } : {}),
    keepRule: p.keepRule,
    seed: spec.seed,
    keepScores: wantsScores,
    input: kind === 'real'
      ? { source: data.pruningSource(), batches: p.batches }
      : {
        source: kind, batches: p.batches, n: p.chiDimension, inputShape: data.inputShape, numClasses: data.numClasses,
        // SynFlow's input is one example (an all-ones or χ image); SNIP/GraSP average a batch.
        batchSize: entry.needs === 'one-example' ? 1 : p.batchSize,
      },
    onProgress: throttledPruneLog(context),
  };
  if (entry.trains) {
    options.imp = impOptions(spec, data, context, analysis, rewind);
    if (p.imp.fractions) options.imp.fractions = p.imp.fractions;
    else if (p.iterations === 0) options.imp.pruneFraction = p.impPruneFraction;
    else options.iterations = p.iterations;
  } else if (p.iterations > 0) {
    options.iterations = p.iterations;
  }
  const result = await prune(model, options);
  try {
    if (entry.trains) { // the model is left at the rewind point: the final training starts there
      const temporary = `${rewindFile}.tmp`;
      model.saveSafetensors(temporary);
      fs.renameSync(temporary, rewindFile);
    }
    const masks = result.masks;
    // Figure data is about the weights the mask is applied to: the initial ones, or IMP's rewind point.
    const layers = layerArrays(rewind.weights ?? initial, masks);
    if (spec.analysis.weightHistogram) analysis.keptWeights = keptWeightSample(layers, 20000, spec.seed);
    if (wantsScores && result.scores) {
      const names = masks.names;
      analysis.scoreSample = scoreSample(
        names.map((name) => tidy(() => result.scores!.get(name)!.to('float64').data() as Float64Array)),
        layers.map((l) => l.mask), spec.analysis.scoreSample, spec.seed);
    }
    if (spec.analysis.maskNorms) {
      analysis.maskNorms = [...(analysis.maskNorms ?? []), { density: masks.density(), layers: maskNorms(layers, 20, spec.seed) }];
    }
    if (spec.analysis.randomMasks > 0) {
      analysis.randomMaskNorms = { density: masks.density(), layers: randomMaskNormDistribution(layers, spec.analysis.randomMasks, spec.seed) };
    }
    if (Object.keys(analysis).length > 0 && isWriter()) writeAnalysis(context.dir, analysis);
    return { masks, record: result.record };
  } finally {
    if (result.scores) for (const score of result.scores.values()) score.dispose();
    model.dispose();
  }
}

/** IMP's injected training: each round trains the masked model (on real or random data); optional warm-up. */
function impOptions(spec: RunSpec, data: RunData, context: RunContext, analysis: RunAnalysis, rewind: { weights?: Map<string, Float32Array> }): NonNullable<PruneOptions['imp']> {
  const p = spec.pruning;
  const epochs = p.impEpochsPerLevel || spec.train.epochs;
  const trainData: BatchSource = resolvedInput(p) === 'real' ? data.train
    : p.imp.randomData === 'fixed' ? data.randomTrain() : randomBatches(data);
  return {
    warmup: p.impRewindIterations > 0
      ? async (model: Module) => {
        const stepsPerEpoch = trainData.length;
        context.log(`IMP warm-up: ${p.impRewindIterations} dense iterations (the rewind point)`);
        await trainModel({ model, trainData, ...recipe(spec, Math.ceil(p.impRewindIterations / stepsPerEpoch)), maxSteps: p.impRewindIterations, distributed: processGroup() });
      }
      : undefined,
    train: async (model, masks, round, rounds) => {
      if (spec.analysis.maskNorms) {
        // Round 1 starts from the rewind weights under an all-ones mask: keep them, since the model holds
        // rewind ⊙ mask in later rounds and random masks must be drawn over the unpruned rewind weights.
        if (round === 1) rewind.weights = snapshotWeights(model);
        const layers = layerArrays(rewind.weights!, masks);
        analysis.maskNorms = [...(analysis.maskNorms ?? []), { density: masks.density(), layers: maskNorms(layers, 20, spec.seed + round) }];
      }
      context.log(`IMP round ${round}/${rounds}: training at density ${(100 * masks.density()).toFixed(2)}% for ${epochs} epochs`);
      await trainModel({ model, masks, trainData, ...recipe(spec, epochs), distributed: processGroup() });
    },
  };
}

/** Fresh random inputs and labels every step, as many batches per epoch as the real data (IMP + rand. data, 'stream'). */
function randomBatches(data: RunData): BatchSource {
  const source = data.pruningSource();
  return { length: data.train.length, batch: () => source.next() };
}

/**
 * The same masks in the model's parameter order (safetensors stores names sorted; the training checkpoint
 * records the mask list in order, so a resumed run must present it as the first attempt did).
 */
function inModelOrder(masks: MaskSet, model: Module, device: Device): MaskSet {
  try {
    const onDevice = (name: string) => { const mask = masks.get(name); return mask.device === device ? mask.clone() : mask.to(device); };
    const ordered = new MaskSet(model.namedParameters().filter(([name]) => masks.has(name)).map(([name]) => [name, onDevice(name)]));
    if (ordered.size !== masks.size) throw new Error(`saved masks name parameters the model lacks: ${masks.names.filter((n) => !ordered.has(n)).join(', ')}`);
    return ordered;
  } finally {
    masks.dispose();
    model.dispose();
  }
}

function snapshotWeights(model: Module): Map<string, Float32Array> {
  return new Map(model.namedParameters().map(([name, tensor]) => [name, noGrad(() => tidy(() => tensor.detach().to('float32').data() as Float32Array))]));
}

function layerArrays(weights: Map<string, Float32Array>, masks: MaskSet): LayerArrays[] {
  return masks.entries().map(([name, mask]) => ({ name, weights: weights.get(name)!, mask: mask.data() as Float32Array }));
}

function throttledPruneLog(context: RunContext): PruneOptions['onProgress'] {
  let last = 0;
  return ({ iteration, iterations, density }) => {
    const now = performance.now();
    if (iteration === iterations || now - last > 10_000) {
      last = now;
      context.log(`pruning iteration ${iteration}/${iterations} (density ${(100 * density).toFixed(2)}%)`);
    }
  };
}

