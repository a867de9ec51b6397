// prune(model, options): scorer × input × selection × schedule × scope → a MaskSet and a record.
// Each iteration scores the masked model, then selects the masks for the next density of the schedule. Weights
// pruned in an earlier iteration are never candidates again, so they never come back. The model's weights,
// buffers, train/eval flags and libtorch's CPU random stream are as before when prune() returns (on CUDA the
// device generator is left seeded by the run).
import { Tensor, getRngState, keep, manualSeed, releaseFreeMemory, setRngState, tidy, type Device } from '../torch/index.js';
import { MaskSet, type Module, type PrunableOptions } from '../nn/index.js';
import { resolveDensity, scheduleDensities, scheduleNames, type DensitySpec, type ScheduleName } from './density.js';
import { findScorer } from './scorers/registry.js';
import type { ScoringContext } from './scorers/types.js';
import { findSelection } from './selection/registry.js';
import { threshold } from './selection/threshold.js';
import { keepRules, maskValueKinds, scopeNames, type KeepRule, type RandomMaskOptions, type Scope } from './selection/types.js';
import { resolveInput, type PruneInputOptions } from './inputs.js';
import { collectPrunable, WorkingWeights } from './working-weights.js';
import { summarize, type PruneRecord } from './record.js';
import { SupportSet } from './support-set.js';
import { pruneImp, type ImpOptions } from './imp.js';

export type SelectionAt = 'every' | 'final';

export interface PruneOptions extends DensitySpec {
  /** random, magnitude, snip, grasp, synflow, ntk-sketch or imp. */
  method: string;
  /** threshold (default), sketch-random or sketch. */
  selection?: string;
  /** global (default) or local. */
  scope?: Scope;
  /** Pruning iterations (default: 100 for synflow, 1 otherwise; IMP: rounds). */
  iterations?: number;
  /** Density schedule over the iterations (default exponential). */
  schedule?: ScheduleName;
  /**
   * Where a randomized selection (sketch-random, sketch) acts in iterative pruning: at every iteration (default)
   * or only at the final one, with thresholding before it.
   */
  selectionAt?: SelectionAt;
  /**
   * sketch-random's reading of Section 8: draws with or without replacement (default without), kept weights 0/1 or
   * Algorithm 1's scaled values (default binary).
   */
  randomMask?: RandomMaskOptions;
  /**
   * How a density becomes a kept count: 'round' (default: exactly round(d·N)) or 'synaptic-flow' (its
   * ⌊(1 − d)·N⌋ pruned and every score tied with the threshold pruned too), which reproduces Synaptic-Flow's
   * iterative SynFlow masks exactly on the same weights and scores.
   */
  keepRule?: KeepRule;
  input?: PruneInputOptions;
  /** Seeds libtorch's generator for the run (default 0); the caller's random stream is restored afterwards. */
  seed?: number;
  /** Which parameters are prunable (default: conv and linear weights). */
  prunable?: PrunableOptions;
  /** Batch norm in train mode while scoring (default false: eval mode, as Synaptic-Flow). */
  trainMode?: boolean;
  /** GraSP's temperature (default 200). */
  temperature?: number;
  /** SynFlow's arithmetic: 'float32' (default: scaled so that nothing under- or overflows, same ranking) or 'float64'. */
  precision?: 'float32' | 'float64';
  /** IMP's training functions and rounds. */
  imp?: ImpOptions;
  /** Also return the first iteration's scores (those of the unpruned model), e.g. for score histograms. */
  keepScores?: boolean;
  onProgress?: (progress: PruneProgress) => void;
}

export interface PruneProgress {
  /** 1-based iteration just finished, of `iterations`. */
  iteration: number;
  iterations: number;
  /** The schedule's density for this iteration and the kept count it produced. */
  density: number;
  kept: number;
  elapsedMs: number;
  /** The 0/1 masks after this iteration, in parameter order (valid only during the callback). */
  masks: readonly Tensor[];
}

export interface PruneResult {
  masks: MaskSet;
  record: PruneRecord;
  /** With keepScores: the unpruned model's scores by parameter name (float64; the caller disposes them). */
  scores?: Map<string, Tensor>;
}

function checkChoice<T extends string>(what: string, value: T, allowed: readonly T[]): T {
  if (!allowed.includes(value)) throw new TypeError(`unknown ${what} '${String(value)}'; expected one of ${allowed.join(', ')}`);
  return value;
}

export interface ScoreOptions {
  method: string;
  input?: PruneInputOptions;
  seed?: number;
  prunable?: PrunableOptions;
  trainMode?: boolean;
  temperature?: number;
  precision?: 'float32' | 'float64';
}

/**
 * One scoring pass on the unpruned model: float64 scores by parameter name (higher = keep; the caller disposes
 * them). The model, its train/eval flags and the caller's random stream are left as they were.
 */
export function scoreModel(model: Module, options: ScoreOptions): Map<string, Tensor> {
  if (options === null || typeof options !== 'object') throw new TypeError('scoreModel: options must be an object');
  if (options.method === 'imp') throw new TypeError('imp has no one-pass score: it trains between rounds (use prune)');
  const entry = findScorer(options.method);
  const seed = checkSeed(options.seed ?? 0);
  const parameters = collectPrunable(model, options.prunable);
  const scorer = entry.create({ temperature: options.temperature, precision: options.precision });
  const callerRng = getRngState();
  manualSeed(seed);
  const support = new SupportSet(parameters);
  const working = new WorkingWeights(model, parameters);
  try {
    const { source, description } = resolveInput(entry, model, { device: parameters[0].tensor.device as Device, ...options.input });
    model.train(options.trainMode ?? false);
    const scores = tidy(() => scorer.score({
      model, parameters, support: support.views, input: source, batches: description?.batches ?? 1, iteration: 0, iterations: 1,
    }));
    return new Map(parameters.map(({ name }, index) => [name, keep(scores[index])]));
  } finally {
    scorer.dispose();
    working.restore();
    support.dispose();
    setRngState(callerRng);
    callerRng.dispose();
  }
}

function checkRandomMask(options: RandomMaskOptions | undefined, selection: string): RandomMaskOptions | undefined {
  if (options === undefined) return undefined;
  if (options === null || typeof options !== 'object') throw new TypeError(`randomMask must be an object, got ${JSON.stringify(options)}`);
  if (selection !== 'sketch-random') throw new TypeError(`randomMask applies to the sketch-random selection, not '${selection}'`);
  if (options.replacement !== undefined && typeof options.replacement !== 'boolean') {
    throw new TypeError(`randomMask.replacement must be true or false, got ${JSON.stringify(options.replacement)}`);
  }
  if (options.values !== undefined) checkChoice('randomMask.values', options.values, maskValueKinds);
  return options;
}

function checkSeed(seed: number): number {
  if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`seed must be a non-negative integer, got ${JSON.stringify(seed)}`);
  return seed;
}

export async function prune(model: Module, options: PruneOptions): Promise<PruneResult> {
  try {
    return await pruneModel(model, options);
  } finally {
    releaseFreeMemory(); // a long prune leaves the heap fragmented: hand its free pages back (RSS stays flat over calls)
  }
}

async function pruneModel(model: Module, options: PruneOptions): Promise<PruneResult> {
  if (options === null || typeof options !== 'object') throw new TypeError('prune: options must be an object');
  const started = performance.now();
  const method = options.method;
  if (method !== 'imp') findScorer(method);
  const density = resolveDensity(options);
  const selection = findSelection(options.selection ?? 'threshold');
  const scope = checkChoice('scope', options.scope ?? 'global', scopeNames);
  const schedule = checkChoice('schedule', options.schedule ?? 'exponential', scheduleNames);
  const selectionAt = checkChoice<SelectionAt>('selectionAt', options.selectionAt ?? 'every', ['every', 'final']);
  const seed = checkSeed(options.seed ?? 0);
  const keepRule = checkChoice<KeepRule>('keepRule', options.keepRule ?? 'round', keepRules);
  const randomMask = checkRandomMask(options.randomMask, selection.name);
  const parameters = collectPrunable(model, options.prunable);
  if (method === 'imp') {
    return pruneImp(model, parameters, {
      density, selection, scope, schedule, seed, rounds: options.iterations, imp: options.imp, started,
      onProgress: options.onProgress, randomMask, keepRule, selectionAt,
    });
  }
  const entry = findScorer(method);
  const iterations = options.iterations ?? entry.defaultIterations;
  const densities = scheduleDensities(density, iterations, schedule);

  const { source, description } = resolveInput(entry, model, { device: parameters[0].tensor.device as Device, ...options.input });
  const scorer = entry.create({ temperature: options.temperature, precision: options.precision });
  const names = parameters.map(({ name }) => name);
  let sketchBudget: number | undefined;
  let firstScores: Map<string, Tensor> | undefined;
  let scoringMs = 0;
  let selectionMs = 0;
  let finalMasks: Tensor[];
  let scorerRecord: Record<string, unknown> = {};
  const callerRng = getRngState();
  manualSeed(seed);
  const support = new SupportSet(parameters);
  const working = new WorkingWeights(model, parameters);
  try {
    model.train(options.trainMode ?? false);
    for (let iteration = 0; iteration < iterations; iteration++) {
      const context: ScoringContext = {
        model, parameters, support: support.views, input: source, batches: description?.batches ?? 1, iteration, iterations,
        rankingOnly: !(iteration === 0 && options.keepScores),
      };
      const scoreStart = performance.now();
      const scores = tidy(() => scorer.score(context));
      const selectStart = performance.now();
      scoringMs += selectStart - scoreStart;
      if (iteration === 0 && options.keepScores) {
        firstScores = new Map(names.map((name, index) => [name, keep(scores[index].clone())]));
      }
      const chosen = selectionAt === 'final' && iteration < iterations - 1 ? threshold : selection;
      const outcome = tidy(() => chosen.select({
        scores, support: support.views, names, density: densities[iteration], scope,
        survivors: support.kept, layerSurvivors: support.layerKept, rule: keepRule,
        // scaled values matter only in the final mask: earlier iterations just shrink the support
        randomMask: randomMask && iteration < iterations - 1 ? { ...randomMask, values: 'binary' } : randomMask,
      }));
      for (const score of scores) score.dispose();
      sketchBudget = outcome.budget;
      // the new support, and the working weights just pruned zeroed (in one pass) unless this was the last step
      support.update(outcome, iteration < iterations - 1 ? working.tensors : undefined);
      selectionMs += performance.now() - selectStart;
      options.onProgress?.({
        iteration: iteration + 1, iterations, density: densities[iteration], kept: support.kept,
        elapsedMs: performance.now() - started, masks: support.views,
      });
    }
    finalMasks = support.takeMasks();
    scorerRecord = scorer.recordOptions?.() ?? {};
  } catch (error) {
    if (firstScores) for (const score of firstScores.values()) score.dispose();
    throw error;
  } finally {
    support.dispose();
    scorer.dispose();
    working.restore();
    setRngState(callerRng);
    callerRng.dispose();
  }
  const masks = new MaskSet(names.map((name, index) => [name, finalMasks[index]]));
  const record: PruneRecord = {
    method,
    options: {
      selection: selection.name, scope, iterations, schedule, selectionAt, input: description,
      ...(randomMask ? { randomMask: { replacement: randomMask.replacement ?? false, values: randomMask.values ?? 'binary' } } : {}),
      ...(keepRule === 'round' ? {} : { keepRule }),
      prunable: { biases: options.prunable?.biases ?? false, batchNorm: options.prunable?.batchNorm ?? false },
      trainMode: options.trainMode ?? false,
      ...(method === 'grasp' ? { temperature: options.temperature ?? 200 } : {}),
      ...scorerRecord,
    },
    seed,
    targetDensity: density,
    ...summarize(masks),
    ...(sketchBudget === undefined ? {} : { sketchBudget }),
    timing: { totalMs: performance.now() - started, scoringMs, selectionMs, iterations },
    createdAt: new Date().toISOString(),
  };
  return { masks, record, ...(firstScores ? { scores: firstScores } : {}) };
}
