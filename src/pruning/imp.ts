// Iterative magnitude pruning with rewinding (lottery tickets; Frankle & Carbin 2019, Frankle et al. 2020):
// optionally train the dense model for a warm-up and save its weights (the rewind point; without a warm-up, the
// initial weights), then for each round: train the masked model, keep the largest |w| among the surviving
// weights down to the round's density, rewind to the saved weights. Densities follow the schedule (exponential:
// every round prunes the same fraction of the survivors) and the last round lands exactly on the target. With
// per-group fractions (the authors' OpenLTH fork: hidden fully-connected layers, convolutions and the output layer
// each prune their own fraction of their own survivors per round, each with its own global magnitude threshold)
// the last round prunes a fraction of a round in every group so that the total lands on the target. prune()
// leaves the model at the rewind point: the weights the final mask is to be applied to before the final training.
// Training is injected: pruning/ never imports train/.
import { Tensor, keep, noGrad, tidy } from '../torch/index.js';
import { MaskSet, type Module } from '../nn/index.js';
import { keepCount, scheduleDensities } from './density.js';
import { recordedRandomMask, type SelectionOutcome } from './selection/types.js';
import { threshold } from './selection/threshold.js';
import type { PrunableParameter } from './working-weights.js';
import { summarize, type PruneRecord } from './record.js';
import { PruneSession } from './session.js';
import type { GroupFractions, MethodRun, PruneResult } from './types.js';

export type { GroupFractions, ImpOptions } from './types.js';

export const groupNames = ['fc', 'conv', 'output'] as const;
export type GroupName = (typeof groupNames)[number];

/** Each prunable parameter's group (see ImpOptions.fractions); other shapes are an error naming the parameter. */
export function parameterGroups(parameters: readonly { name: string; tensor: Tensor }[]): GroupName[] {
  let output = -1;
  parameters.forEach(({ tensor }, index) => { if (tensor.ndim === 2) output = index; });
  return parameters.map(({ name, tensor }, index) => {
    if (tensor.ndim === 4) return 'conv';
    if (tensor.ndim === 2) return index === output ? 'output' : 'fc';
    throw new RangeError(`imp fractions group conv (4-D) and linear (2-D) weights; '${name}' has shape [${tensor.shape}]`);
  });
}

function checkFractions(fractions: GroupFractions): GroupFractions {
  if (fractions === null || typeof fractions !== 'object') throw new TypeError(`imp.fractions must be {fc, conv, output}, got ${JSON.stringify(fractions)}`);
  for (const group of groupNames) {
    const value = fractions[group];
    if (typeof value !== 'number' || !(value >= 0 && value < 1)) {
      throw new RangeError(`imp.fractions.${group} must lie in [0, 1), got ${JSON.stringify(value)}`);
    }
  }
  return fractions;
}

/**
 * Kept counts per group after each round, for group sizes `sizes`, per-round fractions and a total target: whole
 * rounds keep survivors − ⌈f·survivors⌉ (the fork's count) while the total stays above the target; the last round
 * keeps survivors·(1 − f)^τ with τ ∈ (0, 1] chosen so the total is exactly the target (rounded, the rounding
 * difference given to the largest group).
 */
export function groupRoundCounts(sizes: readonly number[], fractions: readonly number[], target: number): number[][] {
  const total = sizes.reduce((a, b) => a + b, 0);
  if (!(Number.isInteger(target) && target >= 0 && target <= total)) throw new RangeError(`target must be an integer in [0, ${total}], got ${target}`);
  const floor = sizes.reduce((sum, size, g) => sum + (fractions[g] > 0 ? 0 : size), 0);
  if (floor > target) {
    throw new RangeError(`imp fractions cannot reach ${target} kept weights: the groups with fraction 0 alone hold ${floor}`);
  }
  const rounds: number[][] = [];
  let current = [...sizes];
  for (let guard = 0; current.reduce((a, b) => a + b, 0) > target; guard++) {
    if (guard > 10000) throw new RangeError('imp fractions: more than 10,000 rounds to reach the density');
    const next = current.map((kept, g) => kept - Math.ceil(fractions[g] * kept));
    if (next.reduce((a, b) => a + b, 0) >= target) {
      rounds.push(next);
      current = next;
      continue;
    }
    // the last round: a fraction τ of a round in every group
    const sumAt = (tau: number): number => current.reduce((sum, kept, g) => sum + kept * (1 - fractions[g]) ** tau, 0);
    let lo = 0;
    let hi = 1;
    while (sumAt(hi) > target) hi *= 2; // ceil-rounding can make a whole round overshoot the real-valued one
    for (let step = 0; step < 200; step++) {
      const mid = (lo + hi) / 2;
      if (sumAt(mid) > target) lo = mid; else hi = mid;
    }
    const last = current.map((kept, g) => Math.min(kept, Math.round(kept * (1 - fractions[g]) ** hi)));
    let difference = target - last.reduce((a, b) => a + b, 0);
    const order = last.map((_, g) => g).sort((a, b) => current[b] - current[a]);
    for (const g of order) {
      if (difference === 0) break;
      const room = difference > 0 ? current[g] - last[g] : -last[g];
      const change = difference > 0 ? Math.min(difference, room) : Math.max(difference, room);
      if (fractions[g] === 0 && change !== 0) continue;
      last[g] += change;
      difference -= change;
    }
    rounds.push(last);
    current = last;
  }
  if (rounds.length === 0) rounds.push([...sizes]);
  return rounds;
}

/** Rounds for a per-round fraction f: the fewest R with (1-f)^R ≤ density. */
export function roundsForFraction(density: number, fraction: number): number {
  if (!(fraction > 0 && fraction < 1)) throw new RangeError(`imp.pruneFraction must lie in (0, 1), got ${fraction}`);
  return density >= 1 ? 1 : Math.max(1, Math.ceil(Math.log(density) / Math.log(1 - fraction) - 1e-12));
}

/** IMP's entry in the method registry: prune() hands it the checked settings; the training comes in options.imp. */
export async function pruneImp(model: Module, parameters: PrunableParameter[], run: MethodRun): Promise<PruneResult> {
  const imp = run.options.imp;
  if (!imp || typeof imp.train !== 'function') {
    throw new TypeError('imp needs options.imp.train(model, masks, round, rounds): the training it runs between rounds');
  }
  const given = [run.iterations !== undefined && 'iterations (rounds)', imp.pruneFraction !== undefined && 'imp.pruneFraction',
    imp.fractions !== undefined && 'imp.fractions'].filter(Boolean);
  if (given.length > 1) throw new RangeError(`imp takes one of iterations (rounds), imp.pruneFraction or imp.fractions, not ${given.join(' and ')}`);
  const names = parameters.map(({ name }) => name);
  const total = parameters.reduce((sum, { tensor }) => sum + tensor.numel, 0);
  // with per-group fractions: the groups and their planned kept counts per round
  let plan: { members: number[][]; sizes: number[]; counts: number[][] } | undefined;
  if (imp.fractions !== undefined) {
    const fractions = checkFractions(imp.fractions);
    if (run.scope !== 'global') throw new RangeError('imp.fractions set one global threshold per group; scope local does not apply');
    const groups = parameterGroups(parameters);
    const present = groupNames.filter((group) => groups.includes(group));
    const members = present.map((group) => groups.flatMap((g, index) => (g === group ? [index] : [])));
    const sizes = members.map((indices) => indices.reduce((sum, index) => sum + parameters[index].tensor.numel, 0));
    const counts = groupRoundCounts(sizes, present.map((group) => fractions[group]), keepCount(run.density, total));
    plan = { members, sizes, counts };
  }
  const rounds = plan ? plan.counts.length
    : imp.pruneFraction !== undefined ? roundsForFraction(run.density, imp.pruneFraction) : run.iterations ?? 1;
  const densities = plan ? plan.counts.map((counts) => counts.reduce((a, b) => a + b, 0) / total)
    : scheduleDensities(run.density, rounds, run.schedule);
  let trainingMs = 0;
  let selectionMs = 0;
  let finalMasks: Tensor[];
  let saved = new Map<string, Tensor>();
  // The session is opened before the warm-up, so a failure anywhere (the warm-up included) restores the caller's
  // random stream. No working weights: IMP trains the model itself and leaves it at the rewind point.
  const session = new PruneSession(model, parameters, { seed: run.seed, workingWeights: false });
  try {
    const trainStart = performance.now();
    if (imp.warmup) await imp.warmup(model);
    trainingMs += performance.now() - trainStart;
    const rewind = model.stateDict();
    saved = new Map(Object.entries(rewind).map(([name, tensor]) => [name, keep(noGrad(() => tensor.clone()))]));
    const live = session.support;
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
      const selection = run.selectionAt === 'final' && round < rounds ? threshold : run.selection;
      const outcome = tidy(() => {
        const scores = noGrad(() => parameters.map(({ tensor }) => tensor.abs().to('float64')));
        if (!plan) {
          return selection.select({
            scores, support: live.views, names, density: densities[round - 1], scope: run.scope,
            survivors: live.kept, layerSurvivors: live.layerKept, randomMask: run.randomMask, rule: run.keepRule,
          });
        }
        // one selection per group, with the group's planned count, joined in parameter order
        const masks: Tensor[] = new Array(parameters.length);
        const counts: number[] = new Array(parameters.length);
        plan.members.forEach((indices, g) => {
          const pick = <T>(values: readonly T[]): T[] => indices.map((index) => values[index]);
          const layerSurvivors = pick(live.layerKept);
          const groupOutcome: SelectionOutcome = selection.select({
            scores: pick(scores), support: pick(live.views), names: pick(names), scope: 'global',
            density: plan!.counts[round - 1][g] / plan!.sizes[g],
            keep: plan!.counts[round - 1][g], survivors: layerSurvivors.reduce((a, b) => a + b, 0), layerSurvivors,
            randomMask: run.randomMask,
          });
          indices.forEach((index, j) => {
            masks[index] = groupOutcome.masks[j];
            counts[index] = groupOutcome.counts?.[j] ?? tidy(() => groupOutcome.masks[j].ne(0).sum().item());
          });
        });
        return { masks, counts, kept: counts.reduce((a, b) => a + b, 0) };
      });
      live.update(outcome);
      model.loadStateDict(Object.fromEntries(saved));
      selectionMs += performance.now() - selectStart;
      run.options.onProgress?.({
        iteration: round, iterations: rounds, density: densities[round - 1], kept: live.kept,
        elapsedMs: performance.now() - run.started, masks: live.views,
      });
    }
    finalMasks = live.takeMasks();
  } finally {
    for (const tensor of saved.values()) tensor.dispose();
    session.close();
  }
  const masks = new MaskSet(names.map((name, index) => [name, finalMasks[index]]));
  const record: PruneRecord = {
    method: 'imp',
    options: {
      selection: run.selection.name, scope: run.scope, iterations: rounds, schedule: run.schedule,
      ...(run.selection.randomized ? { selectionAt: run.selectionAt } : {}),
      rewind: imp.warmup ? 'after warm-up' : 'initial weights',
      ...(imp.pruneFraction === undefined ? {} : { pruneFraction: imp.pruneFraction }),
      ...(imp.fractions === undefined ? {} : { fractions: { ...imp.fractions } }),
      ...(run.randomMask ? { randomMask: recordedRandomMask(run.randomMask) } : {}),
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

