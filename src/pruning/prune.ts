// prune(model, options): method × input × selection × schedule × scope → a MaskSet and a record.
// The method comes from the registry (scorers/registry.ts). A scoring method runs this file's loop: each iteration
// scores the masked model, then selects the masks for the next density of the schedule. Weights pruned in an
// earlier iteration are never candidates again, so they never come back. A method that trains between rounds
// (IMP) runs its own loop (its entry's run). Either way the model's weights, buffers, train/eval flags and
// libtorch's CPU random stream are as before when prune() returns (on CUDA the device generator is left seeded by
// the run; IMP leaves the model at its rewind point).
import { Tensor, keep, releaseFreeMemory, tidy, type Device } from '../torch/index.js';
import { MaskSet, type Module } from '../nn/index.js';
import { resolveDensity, scheduleDensities, scheduleNames } from './density.js';
import { findMethod } from './scorers/registry.js';
import type { ScoringContext } from './scorers/types.js';
import { findSelection } from './selection/registry.js';
import { threshold } from './selection/threshold.js';
import { keepRules, maskValueKinds, recordedRandomMask, scopeNames, type KeepRule, type RandomMaskOptions, type SelectionEntry } from './selection/types.js';
import { resolveInput } from './inputs.js';
import { collectPrunable, type PrunableParameter } from './working-weights.js';
import { summarize, type PruneRecord } from './record.js';
import { PruneSession } from './session.js';
import type { MethodRun, PruneOptions, PruneResult, ScoreOptions, ScoringMethod, SelectionAt } from './types.js';

export type { PruneOptions, PruneProgress, PruneResult, ScoreOptions, SelectionAt } from './types.js';

function checkChoice<T extends string>(what: string, value: T, allowed: readonly T[]): T {
  if (!allowed.includes(value)) throw new TypeError(`unknown ${what} '${String(value)}'; expected one of ${allowed.join(', ')}`);
  return value;
}

/** The precision option, checked against those the method declares (a method that declares none ignores it). */
function checkPrecision(entry: { name: string; precisions?: readonly string[] }, precision: string | undefined): void {
  if (precision === undefined || !entry.precisions || entry.precisions.includes(precision)) return;
  throw new TypeError(`${entry.name}: precision must be ${entry.precisions.join(' or ')}, got ${String(precision)}`);
}

/**
 * One scoring pass on the unpruned model: float64 scores by parameter name (higher = keep; the caller disposes
 * them). The model, its train/eval flags and the caller's random stream are left as they were.
 */
export function scoreModel(model: Module, options: ScoreOptions): Map<string, Tensor> {
  if (options === null || typeof options !== 'object') throw new TypeError('scoreModel: options must be an object');
  const entry = findMethod(options.method);
  if (entry.trains) throw new TypeError(`${entry.name} has no one-pass score: it trains between rounds (use prune)`);
  checkPrecision(entry, options.precision);
  const seed = checkSeed(options.seed ?? 0);
  const parameters = collectPrunable(model, options.prunable);
  const scorer = entry.create({ temperature: options.temperature, precision: options.precision });
  let session: PruneSession | null = null;
  try {
    session = new PruneSession(model, parameters, { seed, workingWeights: true });
    const { source, description } = resolveInput(entry, model, { device: parameters[0].tensor.device as Device, ...options.input });
    model.train(options.trainMode ?? false);
    const support = session.support.views;
    const scores = tidy(() => scorer.score({
      model, parameters, support, input: source, batches: description?.batches ?? 1, iteration: 0, iterations: 1,
    }));
    return new Map(parameters.map(({ name }, index) => [name, keep(scores[index])]));
  } finally {
    scorer.dispose();
    session?.close();
  }
}

function checkRandomMask(options: RandomMaskOptions | undefined, selection: SelectionEntry): RandomMaskOptions | undefined {
  if (options === undefined) return undefined;
  if (options === null || typeof options !== 'object') throw new TypeError(`randomMask must be an object, got ${JSON.stringify(options)}`);
  if (!selection.takesRandomMask) throw new TypeError(`randomMask applies to the sketch-random selection, not '${selection.name}'`);
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
  const entry = findMethod(options.method);
  const density = resolveDensity(options);
  const selection = findSelection(options.selection ?? entry.defaults.selection);
  const run: MethodRun = {
    density, selection, started, options,
    scope: checkChoice('scope', options.scope ?? entry.defaults.scope, scopeNames),
    schedule: checkChoice('schedule', options.schedule ?? 'exponential', scheduleNames),
    selectionAt: checkChoice<SelectionAt>('selectionAt', options.selectionAt ?? 'every', ['every', 'final']),
    seed: checkSeed(options.seed ?? 0),
    keepRule: checkChoice<KeepRule>('keepRule', options.keepRule ?? 'round', keepRules),
    randomMask: checkRandomMask(options.randomMask, selection),
    iterations: options.iterations,
  };
  checkPrecision(entry, options.precision);
  const parameters = collectPrunable(model, options.prunable);
  return entry.trains ? entry.run(model, parameters, run) : scoreAndSelect(entry, model, parameters, run);
}

/** The loop of the scoring methods: score the masked model, select, zero the pruned weights, repeat. */
async function scoreAndSelect(entry: ScoringMethod, model: Module, parameters: PrunableParameter[], run: MethodRun): Promise<PruneResult> {
  const { options, selection, scope, selectionAt, keepRule, randomMask, seed, density } = run;
  const iterations = run.iterations ?? entry.defaults.iterations;
  const densities = scheduleDensities(density, iterations, run.schedule);
  const { source, description } = resolveInput(entry, model, { device: parameters[0].tensor.device as Device, ...options.input });
  const scorerOptions = { temperature: options.temperature, precision: options.precision };
  const scorer = entry.create(scorerOptions);
  const names = parameters.map(({ name }) => name);
  let sketchBudget: number | undefined;
  let firstScores: Map<string, Tensor> | undefined;
  let scoringMs = 0;
  let selectionMs = 0;
  let finalMasks: Tensor[];
  let scorerRecord: Record<string, unknown> = {};
  let session: PruneSession | null = null;
  try {
    const { support, working } = (session = new PruneSession(model, parameters, { seed, workingWeights: true }));
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
      support.update(outcome, iteration < iterations - 1 ? working!.tensors : undefined);
      selectionMs += performance.now() - selectStart;
      options.onProgress?.({
        iteration: iteration + 1, iterations, density: densities[iteration], kept: support.kept,
        elapsedMs: performance.now() - run.started, masks: support.views,
      });
    }
    finalMasks = support.takeMasks();
    scorerRecord = scorer.recordOptions?.() ?? {};
  } catch (error) {
    if (firstScores) for (const score of firstScores.values()) score.dispose();
    throw error;
  } finally {
    scorer.dispose();
    session?.close();
  }
  const masks = new MaskSet(names.map((name, index) => [name, finalMasks[index]]));
  const record: PruneRecord = {
    method: entry.name,
    options: {
      selection: selection.name, scope, iterations, schedule: run.schedule, selectionAt, input: description,
      ...(randomMask ? { randomMask: recordedRandomMask(randomMask) } : {}),
      ...(keepRule === 'round' ? {} : { keepRule }),
      prunable: { biases: options.prunable?.biases ?? false, batchNorm: options.prunable?.batchNorm ?? false },
      trainMode: options.trainMode ?? false,
      ...entry.recordOptions?.(scorerOptions),
      ...scorerRecord,
    },
    seed,
    targetDensity: density,
    ...summarize(masks),
    ...(sketchBudget === undefined ? {} : { sketchBudget }),
    timing: { totalMs: performance.now() - run.started, scoringMs, selectionMs, iterations },
    createdAt: new Date().toISOString(),
  };
  return { masks, record, ...(firstScores ? { scores: firstScores } : {}) };
}
