// Iterative magnitude pruning with rewinding (lottery tickets; Frankle & Carbin 2019, Frankle et al. 2020):
// optionally train the dense model for a warm-up and save its weights (the rewind point; without a warm-up, the
// initial weights), then for each round: train the masked model, keep the largest |w| among the surviving
// weights down to the round's density, rewind to the saved weights. Densities follow the schedule (exponential:
// every round prunes the same fraction of the survivors) and the last round lands exactly on the target. Training
// is injected: pruning/ never imports train/.
import { Tensor, getRngState, keep, manualSeed, noGrad, setRngState, tidy } from '../torch/index.js';
import { MaskSet, type Module } from '../nn/index.js';
import { scheduleDensities, type ScheduleName } from './density.js';
import type { Scope, SelectionEntry } from './selection/types.js';
import type { PrunableParameter } from './working-weights.js';
import { summarize, type PruneRecord } from './record.js';
import { SupportSet } from './support-set.js';
import type { PruneProgress, PruneResult } from './prune.js';

export interface ImpOptions {
  /**
   * Trains the model in place with the masks applied (weights outside them start at zero and must stay zero,
   * e.g. masks.zeroPruned(model) after each step). Round is 1-based.
   */
  train: (model: Module, masks: MaskSet, round: number, rounds: number) => Promise<void> | void;
  /** Trains the dense model up to the rewind point (e.g. 1000–6000 iterations); without it IMP rewinds to init. */
  warmup?: (model: Module) => Promise<void> | void;
  /** Alternative to a round count: prune at most this fraction of the survivors per round (OpenLTH: 0.2). */
  pruneFraction?: number;
}

interface ImpRun {
  density: number;
  selection: SelectionEntry;
  scope: Scope;
  schedule: ScheduleName;
  seed: number;
  rounds?: number;
  imp?: ImpOptions;
  started: number;
  onProgress?: (progress: PruneProgress) => void;
}

/** Rounds for a per-round fraction f: the fewest R with (1-f)^R ≤ density. */
export function roundsForFraction(density: number, fraction: number): number {
  if (!(fraction > 0 && fraction < 1)) throw new RangeError(`imp.pruneFraction must lie in (0, 1), got ${fraction}`);
  return density >= 1 ? 1 : Math.max(1, Math.ceil(Math.log(density) / Math.log(1 - fraction) - 1e-12));
}

export async function pruneImp(model: Module, parameters: PrunableParameter[], run: ImpRun): Promise<PruneResult> {
  const imp = run.imp;
  if (!imp || typeof imp.train !== 'function') {
    throw new TypeError('imp needs options.imp.train(model, masks, round, rounds): the training it runs between rounds');
  }
  if (run.rounds !== undefined && imp.pruneFraction !== undefined) {
    throw new RangeError('imp takes either iterations (rounds) or imp.pruneFraction, not both');
  }
  const rounds = imp.pruneFraction !== undefined ? roundsForFraction(run.density, imp.pruneFraction) : run.rounds ?? 1;
  const densities = scheduleDensities(run.density, rounds, run.schedule);
  const names = parameters.map(({ name }) => name);
  const callerRng = getRngState();
  let trainingMs = 0;
  let selectionMs = 0;
  let finalMasks: Tensor[];
  let saved = new Map<string, Tensor>();
  let support: SupportSet | null = null;
  // Everything after the caller's generator state is saved runs inside the try, the warm-up included, so a failure
  // anywhere restores the caller's random stream (a failed warm-up used to leave it seeded with run.seed).
  try {
    manualSeed(run.seed);
    const trainStart = performance.now();
    if (imp.warmup) await imp.warmup(model);
    trainingMs += performance.now() - trainStart;
    const rewind = model.stateDict();
    saved = new Map(Object.entries(rewind).map(([name, tensor]) => [name, keep(noGrad(() => tensor.clone()))]));
    const live = (support = new SupportSet(parameters));
    for (let round = 1; round <= rounds; round++) {
      const masks = new MaskSet(names.map((name, index) => [name, live.views[index].clone()]));
      try {
        masks.applyTo(model);
        const roundStart = performance.now();
        await imp.train(model, masks, round, rounds);
        trainingMs += performance.now() - roundStart;
      } finally {
        masks.dispose();
      }
      const selectStart = performance.now();
      const outcome = tidy(() => {
        const scores = noGrad(() => parameters.map(({ tensor }) => tensor.abs().to('float64')));
        return run.selection.select({
          scores, support: live.views, names, density: densities[round - 1], scope: run.scope,
          survivors: live.kept, layerSurvivors: live.layerKept,
        });
      });
      for (const mask of live.update(outcome)) mask.dispose();
      model.loadStateDict(Object.fromEntries(saved));
      selectionMs += performance.now() - selectStart;
      run.onProgress?.({
        iteration: round, iterations: rounds, density: densities[round - 1], kept: live.kept,
        elapsedMs: performance.now() - run.started, masks: live.views,
      });
    }
    finalMasks = live.takeMasks();
  } finally {
    support?.dispose();
    for (const tensor of saved.values()) tensor.dispose();
    setRngState(callerRng);
    callerRng.dispose();
  }
  const masks = new MaskSet(names.map((name, index) => [name, finalMasks[index]]));
  const record: PruneRecord = {
    method: 'imp',
    options: {
      selection: run.selection.name, scope: run.scope, iterations: rounds, schedule: run.schedule,
      rewind: imp.warmup ? 'after warm-up' : 'initial weights',
      ...(imp.pruneFraction === undefined ? {} : { pruneFraction: imp.pruneFraction }),
      roundDensities: densities,
    },
    seed: run.seed,
    targetDensity: run.density,
    ...summarize(masks),
    timing: { totalMs: performance.now() - run.started, scoringMs: 0, selectionMs, trainingMs, iterations: rounds },
    createdAt: new Date().toISOString(),
  };
  return { masks, record };
}

