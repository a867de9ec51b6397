// IMP with an injected training function: exact densities after every round, magnitude selection among the
// survivors of the trained weights, rewinding to the warm-up weights before every round and at the end.
import test, { describe } from 'node:test';
import assert from 'node:assert/strict';
import * as T from '../../src/torch/index.js';
import type { MaskSet, Module } from '../../src/nn/index.js';
import { keepCount, prune, roundsForFraction, scheduleDensities, topKMasks } from '../../src/pruning/index.js';
import { deepLinear } from './helpers.js';

type TrainLog = { round: number; density: number; start: T.Tensor[]; trained: T.Tensor[] }[];

/** "Training" that moves each weight by a fixed random factor (deterministic per round), keeping pruned ones 0. */
function fakeTrain(log: TrainLog) {
  return (model: Module, masks: MaskSet, round: number) => {
    const weights = model.parameters();
    const start = weights.map((weight) => T.keep(weight.clone()));
    T.noGrad(() => T.tidy(() => {
      T.manualSeed(100 + round);
      for (const weight of weights) weight.mul_(T.rand(weight.shape).mul(3).add(0.1));
    }));
    masks.zeroPruned(model);
    log.push({ round, density: masks.density(), start, trained: weights.map((weight) => T.keep(weight.clone())) });
  };
}

describe('imp', () => {
  test('densities after each of k rounds are exact and the last is the target', async () => {
    const model = deepLinear([50, 40, 10]);
    const N = 50 * 40 + 40 * 10;
    const log: TrainLog = [];
    const counts: number[] = [];
    const { masks, record } = await prune(model, {
      method: 'imp', density: 0.02, iterations: 4, imp: { train: fakeTrain(log) }, onProgress: (p) => counts.push(p.kept),
    });
    const expected = scheduleDensities(0.02, 4).map((density) => keepCount(density, N));
    assert.deepEqual(counts, expected);
    assert.equal(record.kept, Math.round(0.02 * N));
    assert.deepEqual(log.map((entry) => entry.density), [1, ...expected.slice(0, 3).map((kept) => kept / N)]);
    assert.equal(record.options.iterations, 4);
    masks.dispose();
    for (const entry of log) T.dispose([entry.start, entry.trained]);
  });

  test('each round keeps the largest trained |w| among the survivors', async () => {
    const model = deepLinear([30, 20, 5]);
    const log: TrainLog = [];
    const supports: T.Tensor[][] = [];
    const { masks } = await prune(model, {
      method: 'imp', density: 0.1, iterations: 3, imp: { train: fakeTrain(log) },
      onProgress: (p) => supports.push(p.masks.map((mask) => T.keep(mask.clone()))),
    });
    T.tidy(() => {
      let previous = model.parameters().map((weight) => T.ones(weight.shape));
      log.forEach((entry, index) => {
        const ranked = entry.trained.map((weight, i) => weight.abs().to('float64').maskedFill(previous[i].eq(0), -Infinity));
        const kept = supports[index].reduce((sum, mask) => sum + mask.sum().item(), 0);
        const expected = topKMasks(ranked, kept);
        expected.forEach((mask, i) => assert.equal(mask.eq(supports[index][i]).all().item(), 1, `round ${entry.round}, layer ${i}`));
        previous = supports[index];
      });
    });
    masks.dispose();
    for (const support of supports) T.dispose(support);
    for (const entry of log) T.dispose([entry.start, entry.trained]);
  });

  test('rewinds to the warm-up weights (masked) before every round, and leaves them at the end', async () => {
    const model = deepLinear([20, 10, 4]);
    const warm: T.Tensor[] = [];
    const log: TrainLog = [];
    const supports: T.Tensor[][] = [];
    const { masks, record } = await prune(model, {
      method: 'imp', density: 0.3, iterations: 3,
      imp: {
        warmup: (m) => {
          T.noGrad(() => { for (const weight of m.parameters()) weight.add_(0.5); });
          warm.push(...m.parameters().map((weight) => T.keep(weight.clone())));
        },
        train: fakeTrain(log),
      },
      onProgress: (p) => supports.push(p.masks.map((mask) => T.keep(mask.clone()))),
    });
    T.tidy(() => {
      log.forEach((entry, index) => {
        entry.start.forEach((weight, i) => {
          const mask = index === 0 ? T.ones(weight.shape) : supports[index - 1][i];
          assert.equal(weight.eq(warm[i].mul(mask)).all().item(), 1, `round ${entry.round} starts at the rewind point`);
        });
      });
      model.parameters().forEach((weight, i) => assert.equal(weight.eq(warm[i]).all().item(), 1, 'ends at the rewind point'));
    });
    assert.equal(record.options.rewind, 'after warm-up');
    masks.dispose();
    T.dispose([warm, supports]);
    for (const entry of log) T.dispose([entry.start, entry.trained]);
  });

  test('a per-round fraction picks the fewest rounds and still lands exactly on the target', async () => {
    assert.equal(roundsForFraction(0.1, 0.2), 11); // 0.8^10 = 0.107 > 0.1 ≥ 0.8^11
    assert.equal(roundsForFraction(0.8 ** 3, 0.2), 3);
    const model = deepLinear([25, 20, 5]);
    const N = 25 * 20 + 20 * 5;
    const log: TrainLog = [];
    const counts: number[] = [];
    const { masks } = await prune(model, { method: 'imp', density: 0.05, imp: { train: fakeTrain(log), pruneFraction: 0.2 }, onProgress: (p) => counts.push(p.kept) });
    const rounds = roundsForFraction(0.05, 0.2);
    assert.equal(counts.length, rounds);
    assert.equal(counts[rounds - 1], Math.round(0.05 * N));
    counts.slice(1).forEach((count, i) => assert.ok(count >= Math.round(0.8 * counts[i]) - 1, 'no round prunes more than 20 % of the survivors'));
    masks.dispose();
    for (const entry of log) T.dispose([entry.start, entry.trained]);
    await assert.rejects(prune(model, { method: 'imp', density: 0.1, iterations: 2, imp: { train: () => {}, pruneFraction: 0.2 } }), /either iterations \(rounds\) or imp.pruneFraction/);
    await assert.rejects(prune(model, { method: 'imp', density: 0.1, imp: { train: () => {}, pruneFraction: 1 } }), /pruneFraction must lie in \(0, 1\)/);
  });
});
