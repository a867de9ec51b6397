// IMP with an injected training function: exact densities after every round, magnitude selection among the
// survivors of the trained weights, rewinding to the warm-up weights before every round and at the end.
import test, { describe } from 'node:test';
import assert from 'node:assert/strict';
import * as T from '../../src/torch/index.js';
import type { MaskSet, Module } from '../../src/nn/index.js';
import { groupRoundCounts, keepCount, parameterGroups, prune, roundsForFraction, scheduleDensities, topKMasks } from '../../src/pruning/index.js';
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
    await assert.rejects(prune(model, { method: 'imp', density: 0.1, iterations: 2, imp: { train: () => {}, pruneFraction: 0.2 } }), /not iterations \(rounds\) and imp.pruneFraction/);
    await assert.rejects(prune(model, { method: 'imp', density: 0.1, imp: { train: () => {}, pruneFraction: 1 } }), /pruneFraction must lie in \(0, 1\)/);
  });
});

describe('imp with per-group fractions (the authors\' OpenLTH fork)', () => {
  test('groups: conv = 4-D, output = the last 2-D weight, fc = the other 2-D ones', () => T.tidy(() => {
    const parameters = [[3, 2, 3, 3], [4, 3, 3, 3], [10, 36], [5, 10]].map((shape, i) => ({ name: `p${i}`, tensor: T.zeros(shape) }));
    assert.deepEqual(parameterGroups(parameters), ['conv', 'conv', 'fc', 'output']);
    assert.throws(() => parameterGroups([{ name: 'b', tensor: T.zeros([4]) }]), /'b' has shape \[4\]/);
  }));

  // Brute force of the fork's rule: every round each group keeps survivors − ⌈f·survivors⌉, until the total would
  // fall below the target; the last round lands exactly on it.
  test('round counts: whole rounds as the fork counts them, then a partial round onto the target', () => {
    const sizes = [1000, 200, 50];
    const fractions = [0.2, 0.1, 0.1];
    const target = 300;
    const counts = groupRoundCounts(sizes, fractions, target);
    let current = [...sizes];
    counts.slice(0, -1).forEach((round, r) => {
      current = current.map((kept, g) => kept - Math.ceil(fractions[g] * kept));
      assert.deepEqual(round, current, `round ${r + 1}`);
    });
    const last = counts[counts.length - 1];
    const whole = current.map((kept, g) => kept - Math.ceil(fractions[g] * kept));
    assert.ok(whole.reduce((a, b) => a + b, 0) < target, 'one more whole round would overshoot');
    assert.equal(last.reduce((a, b) => a + b, 0), target);
    last.forEach((kept, g) => assert.ok(kept <= current[g] && kept >= whole[g] - 1, `group ${g}: ${kept} between ${whole[g]} and ${current[g]}`));
    assert.deepEqual(groupRoundCounts([100, 10], [0.5, 0], 60).map((round) => round[1]), [10], 'a group with fraction 0 keeps all');
    assert.throws(() => groupRoundCounts([100, 10], [0.5, 0], 5), /groups with fraction 0 alone hold 10/);
  });

  test('each round prunes each group by its own threshold on the trained |w|, to the planned counts', async () => {
    const model = deepLinear([30, 20, 10, 5]); // fc: 600 + 200, output: 50
    const fractions = { fc: 0.2, conv: 0.1, output: 0.1 };
    const log: TrainLog = [];
    const supports: T.Tensor[][] = [];
    const { masks, record } = await prune(model, {
      method: 'imp', density: 0.3, imp: { train: fakeTrain(log), fractions },
      onProgress: (p) => supports.push(p.masks.map((mask) => T.keep(mask.clone()))),
    });
    const plan = groupRoundCounts([800, 50], [0.2, 0.1], Math.round(0.3 * 850));
    assert.equal(supports.length, plan.length);
    assert.equal(record.kept, Math.round(0.3 * 850));
    assert.deepEqual(record.options.fractions, fractions);
    T.tidy(() => {
      let previous = model.parameters().map((weight) => T.ones(weight.shape));
      supports.forEach((support, round) => {
        const trained = log[round].trained;
        for (const [group, layers] of [['fc', [0, 1]], ['output', [2]]] as const) {
          const ranked = layers.map((i) => trained[i].abs().to('float64').maskedFill(previous[i].eq(0), -Infinity));
          const want = plan[round][group === 'fc' ? 0 : 1];
          const expected = topKMasks(ranked, want);
          layers.forEach((i, j) => assert.equal(expected[j].eq(support[i]).all().item(), 1, `round ${round + 1}, ${group} layer ${i}`));
        }
        previous = support;
      });
    });
    masks.dispose();
    for (const support of supports) T.dispose(support);
    for (const entry of log) T.dispose([entry.start, entry.trained]);
    await assert.rejects(prune(model, { method: 'imp', density: 0.3, imp: { train: () => {}, fractions, pruneFraction: 0.2 } }), /not imp.pruneFraction and imp.fractions/);
    await assert.rejects(prune(model, { method: 'imp', density: 0.3, imp: { train: () => {}, fractions: { ...fractions, fc: 1 } } }), /imp.fractions.fc must lie in \[0, 1\)/);
  });
});

test('imp: a randomized selection with selectionAt final thresholds every round but the last', async () => {
  const supportsOf = async (options: object) => {
    const model = deepLinear([30, 20, 5]);
    const log: TrainLog = [];
    const supports: number[][][] = [];
    const { masks } = await prune(model, {
      method: 'imp', density: 0.1, iterations: 3, seed: 4, imp: { train: fakeTrain(log) }, ...options,
      onProgress: (p) => supports.push(p.masks.map((mask) => mask.toArray())),
    });
    masks.dispose();
    for (const entry of log) T.dispose([entry.start, entry.trained]);
    return supports;
  };
  T.manualSeed(9);
  const threshold = await supportsOf({});
  T.manualSeed(9);
  const final = await supportsOf({ selection: 'sketch-random', selectionAt: 'final' });
  T.manualSeed(9);
  const every = await supportsOf({ selection: 'sketch-random' });
  assert.deepEqual(final.slice(0, 2), threshold.slice(0, 2));
  assert.notDeepEqual(final[2], threshold[2]);
  assert.notDeepEqual(every[0], threshold[0]);
});
