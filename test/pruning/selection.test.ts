// Selections: exact top-k with deterministic ties, per-layer sampling without replacement ∝ scores (inclusion
// frequencies against exact successive-sampling probabilities), Algorithm 1 masks (values and unbiasedness), the
// other readings of Section 8 (with replacement, scaled values) and Synaptic-Flow's keep rule (brute force).
import test, { describe } from 'node:test';
import assert from 'node:assert/strict';
import * as T from '../../src/torch/index.js';
import { algorithm1Mask, findSelection, layerRandomMask, prune, sampleWithoutReplacement, topKMasks } from '../../src/pruning/index.js';
import { Z, deepLinear } from './helpers.js';

const t = (values: number[]) => T.tensor(new Float64Array(values));
const ones = (n: number) => T.ones([n]);
const kept = (masks: T.Tensor[]) => masks.map((mask) => mask.toArray());

describe('threshold', () => {
  test('keeps exactly k; ties at the threshold go to the first positions in layer order', () => T.tidy(() => {
    const masks = topKMasks([t([1, 2, 2, 2, 3]), t([2, 0])], 3);
    assert.deepEqual(kept(masks), [[0, 1, 1, 0, 1], [0, 0]]);
    assert.deepEqual(kept(topKMasks([t([1, 2, 2, 2, 3]), t([2, 0])], 5)), [[0, 1, 1, 1, 1], [1, 0]]);
  }));

  test('all-zero scores keep exactly k without failing', () => T.tidy(() => {
    const masks = topKMasks([T.zeros([3, 4], { dtype: 'float64' }), T.zeros([5], { dtype: 'float64' })], 7);
    assert.equal(masks.reduce((sum, mask) => sum + mask.sum().item(), 0), 7);
    assert.deepEqual(masks[1].toArray(), [0, 0, 0, 0, 0]);
  }));

  test('equals a brute-force sort on random scores, global and local', () => T.tidy(() => {
    T.manualSeed(3);
    const scores = [T.randn([6, 7], { dtype: 'float64' }), T.randn([13], { dtype: 'float64' })];
    const flat = scores.flatMap((score) => score.toArray());
    const order = flat.map((value, index) => [value, index]).sort((a, b) => b[0] - a[0]).map(([, index]) => index);
    const selection = findSelection('threshold');
    const support = scores.map((score) => T.ones(score.shape));
    const density = 0.3;
    const k = Math.round(density * flat.length);
    const masks = selection.select({ scores, support, names: ['a', 'b'], density, scope: 'global' }).masks;
    const chosen = masks.flatMap((mask) => mask.toArray());
    assert.deepEqual(chosen.flatMap((value, index) => value ? [index] : []), order.slice(0, k).sort((a, b) => a - b));
    const local = selection.select({ scores, support, names: ['a', 'b'], density, scope: 'local' }).masks;
    scores.forEach((score, layer) => {
      const values = score.toArray();
      const want = Math.round(density * values.length);
      const top = values.map((value, index) => [value, index]).sort((a, b) => b[0] - a[0]).slice(0, want).map(([, i]) => i);
      assert.deepEqual(local[layer].toArray().flatMap((value, index) => value ? [index] : []), top.sort((a, b) => a - b));
    });
  }));

  /**
   * Brute force: indices of the k largest (ties by lower flat index) among allowed positions, by sorting keys
   * value·2^21 + (2^21 − 1 − index), which order by value and then by position (exact for values that are small
   * integers; other values here are distinct with probability 1, so their keys are the values themselves).
   */
  function bruteTopK(values: Float64Array, allowed: Uint8Array | null, k: number, integers: boolean): number[] {
    const keys = new Float64Array(values.length);
    for (let i = 0; i < values.length; i++) {
      keys[i] = allowed && !allowed[i] ? -Infinity : integers ? values[i] * 2 ** 21 + (2 ** 21 - 1 - i) : values[i];
    }
    const threshold = Float64Array.from(keys).sort()[keys.length - k];
    const chosen: number[] = [];
    for (let i = 0; i < keys.length; i++) if (keys[i] >= threshold) chosen.push(i);
    return chosen;
  }
  const chosenIndices = (masks: T.Tensor[]) => T.tidy(() => T.cat(masks.map((mask) => mask.flatten())).nonzero().flatten().toArray());

  // Over 2^20 survivors the threshold comes from a sampled bracket; these cases check it against a full sort,
  // with heavy ties, with a support, and with a sample so unrepresentative that the bracket misses.
  test('many survivors: the bracketed threshold equals a full sort (ties, support, a missed bracket)', () => T.tidy(() => {
    T.manualSeed(31);
    const n = 1_100_000;
    const shapes = [[600, 1000], [300, 1000], [200000]];
    const make = (flat: T.Tensor) => { let offset = 0; return shapes.map((shape) => { const size = shape.reduce((a, b) => a * b, 1); const part = flat.narrow(0, offset, size).reshape(shape); offset += size; return part; }); };
    const continuous = T.randn([n], { dtype: 'float64' });
    const tied = T.randint(0, 50, [n]).to('float64');
    const stride = Math.floor(n / 65536);
    const spikes = T.arange(0, n, stride);
    const adversarial = T.rand([n], { dtype: 'float64' }).scatter(0, spikes, T.rand([spikes.numel], { dtype: 'float64' }).add(1000));
    const support = T.rand([n]).gt(0.04); // 1.056M survivors: above 2^20, so the bracket runs
    const allowed = support.to('uint8').data() as Uint8Array;
    const survivors = allowed.reduce((sum, v) => sum + v, 0);
    for (const [label, flat] of [['continuous', continuous], ['tied', tied], ['adversarial', adversarial]] as const) {
      const values = flat.data() as Float64Array;
      for (const k of [1, 600_000]) {
        const masks = topKMasks(make(flat), k);
        assert.deepEqual(chosenIndices(masks), bruteTopK(values, null, k, label === 'tied'), `${label}, k = ${k}`);
      }
      const k = Math.floor(survivors / 3);
      const request = { scores: make(flat), support: make(support), names: ['a', 'b', 'c'], density: k / n, scope: 'global' as const };
      const masks = findSelection('threshold').select(request).masks;
      assert.deepEqual(chosenIndices(masks), bruteTopK(values, allowed, k, label === 'tied'), `${label} with support, k = ${k}`);
    }
  }));

  test('weights outside the support are never chosen, even with the highest scores', () => T.tidy(() => {
    const selection = findSelection('threshold');
    const scores = [t([100, 90, 1, 2, 3, 4])];
    const support = [T.tensor([0, 0, 1, 1, 1, 1])];
    const masks = selection.select({ scores, support, names: ['w'], density: 0.5, scope: 'global' }).masks;
    assert.deepEqual(masks[0].toArray(), [0, 0, 0, 1, 1, 1]);
    // asking for more than survive keeps only the survivors
    const all = selection.select({ scores, support, names: ['w'], density: 1, scope: 'global' }).masks;
    assert.deepEqual(all[0].toArray(), [0, 0, 1, 1, 1, 1]);
  }));

  test('NaN scores give an error naming the layer', () => T.tidy(() => {
    const selection = findSelection('threshold');
    assert.throws(() => selection.select({ scores: [t([1, NaN])], support: [ones(2)], names: ['conv.weight'], density: 0.5, scope: 'global' }),
      /scores of 'conv.weight' contain 1 NaN/);
  }));

  test('unknown selection names the known ones', () => {
    assert.throws(() => findSelection('median'), /unknown selection 'median'; known selections: threshold, sketch-random, sketch/);
  });
});

/** Exact inclusion probabilities of k successive draws without replacement ∝ w (brute force over sequences). */
function successiveInclusion(weights: number[], k: number): number[] {
  const inclusion = new Array<number>(weights.length).fill(0);
  const walk = (chosen: number[], probability: number) => {
    if (chosen.length === k) { for (const i of chosen) inclusion[i] += probability; return; }
    const remaining = weights.reduce((sum, w, i) => chosen.includes(i) ? sum : sum + w, 0);
    weights.forEach((w, i) => { if (!chosen.includes(i) && w > 0) walk([...chosen, i], probability * w / remaining); });
  };
  walk([], 1);
  return inclusion;
}

describe('sketch-random', () => {
  test('keeps exactly the per-layer counts of the threshold, and only survivors', () => T.tidy(() => {
    T.manualSeed(5);
    const scores = [T.rand([40], { dtype: 'float64' }), T.rand([10, 6], { dtype: 'float64' }).mul(3), T.rand([25], { dtype: 'float64' })];
    const support = scores.map((score) => T.rand(score.shape).gt(0.2).to('float32'));
    const request = { scores, support, names: ['a', 'b', 'c'], density: 0.25, scope: 'global' as const };
    const thresholdCounts = findSelection('threshold').select(request).masks.map((mask) => mask.sum().item());
    for (let trial = 0; trial < 5; trial++) {
      const masks = findSelection('sketch-random').select(request).masks;
      assert.deepEqual(masks.map((mask) => mask.sum().item()), thresholdCounts);
      masks.forEach((mask, index) => assert.equal(mask.mul(support[index].eq(0)).sum().item(), 0));
    }
  }));

  // Confidence: each of the 7 frequencies must lie within Z = 4 binomial standard errors of the exact inclusion
  // probability (about 6e-5 false failures per entry, under 5e-4 for the test). With 3000 draws the bound is
  // ±0.037 at p = 0.5; three draws ∝ w with replacement (1-(1-p)³) or keeping the top 3 both miss some entry by more than 0.2.
  test('inclusion frequencies follow successive sampling ∝ scores', () => {
    const weights = [1, 2, 3, 4, 10, 0, 0];
    const k = 3;
    const exact = successiveInclusion(weights, k);
    const draws = 3000;
    T.manualSeed(11);
    const counts = T.tidy(() => {
      const score = t(weights);
      const eligible = T.ones([weights.length]);
      let sum = T.zeros([weights.length]);
      for (let draw = 0; draw < draws; draw++) sum = T.tidy(() => sum.add(sampleWithoutReplacement(score, eligible, k)));
      return sum.toArray();
    });
    counts.forEach((count, index) => {
      const p = exact[index];
      const bound = Z * Math.sqrt(Math.max(p * (1 - p), 1e-12) / draws);
      assert.ok(Math.abs(count / draws - p) <= bound, `weight ${weights[index]}: frequency ${count / draws} vs exact ${p} (±${bound})`);
    });
    assert.ok(exact[4] < 0.97 && exact[4] > 0.8, 'the exact law differs from keeping the top scores');
    assert.equal(counts[5] + counts[6], 0);
  });

  // Confidence: count of index 1 among 3000 fills is Binomial(3000, 1/3); Z = 4 bounds it.
  test('a layer with too few positive scores is filled with zero-score weights uniformly', () => {
    T.manualSeed(12);
    const draws = 3000;
    const counts = T.tidy(() => {
      let sum = T.zeros([5]);
      const score = t([5, 0, 0, 0, -2]);
      const eligible = T.tensor([1, 1, 1, 1, 0]);
      for (let draw = 0; draw < draws; draw++) sum = T.tidy(() => sum.add(sampleWithoutReplacement(score, eligible, 2)));
      return sum.toArray();
    });
    assert.equal(counts[0], draws);
    assert.equal(counts[4], 0);
    for (const index of [1, 2, 3]) {
      assert.ok(Math.abs(counts[index] / draws - 1 / 3) <= Z * Math.sqrt((2 / 9) / draws), `zero-score weight ${index}: ${counts[index]}`);
    }
  });
});

describe('sketch (Algorithm 1)', () => {
  test('mask values are count/(s·p_i); kept count ≤ s; budget reported', () => T.tidy(() => {
    T.manualSeed(13);
    const scores = [t([1, 2, 3, 4]), t([0, 5, 5, 0, 10])];
    const support = scores.map((score) => T.ones(score.shape));
    const outcome = findSelection('sketch').select({ scores, support, names: ['a', 'b'], density: 5 / 9, scope: 'global' });
    assert.equal(outcome.budget, 5);
    const p = [1, 2, 3, 4, 0, 5, 5, 0, 10].map((value) => value / 30);
    const values = outcome.masks.flatMap((mask) => mask.toArray());
    const counts = values.map((value, index) => p[index] === 0 ? value : value * 5 * p[index]);
    counts.forEach((count) => assert.ok(Math.abs(count - Math.round(count)) < 1e-5, `count ${count} is an integer`));
    assert.equal(Math.round(counts.reduce((a, b) => a + b, 0)), 5);
    assert.ok(values.filter((value) => value !== 0).length <= 5);
    assert.equal(values[4] + values[7], 0);
  }));

  // Confidence: Var(m_i) = (1 - p_i)/(s·p_i) per draw; the mean of R masks is within Z = 4 standard errors of 1.
  for (const chunkSize of [2 ** 24, 3]) {
    test(`E[m_i] = 1 for every p_i > 0 (${chunkSize === 3 ? 'two-stage draw in chunks of 3' : 'one multinomial'})`, () => T.tidy(() => {
      T.manualSeed(17);
      const weights = [1, 2, 3, 4, 0, 5, 8, 0.5, 6, 1];
      const total = weights.reduce((a, b) => a + b, 0);
      const s = 4;
      const repetitions = 4000;
      let sum = T.zeros([weights.length], { dtype: 'float64' });
      const p = t(weights);
      for (let r = 0; r < repetitions; r++) sum = T.tidy(() => sum.add(algorithm1Mask(p, s, chunkSize)));
      const means = sum.div(repetitions).toArray();
      weights.forEach((weight, index) => {
        if (weight === 0) { assert.equal(means[index], 0); return; }
        const pi = weight / total;
        const bound = Z * Math.sqrt((1 - pi) / (s * pi) / repetitions);
        assert.ok(Math.abs(means[index] - 1) <= bound, `E[m_${index}] ≈ ${means[index]} (±${bound})`);
      });
    }));
  }
});

describe('sketch-random readings (replacement, scaled values)', () => {
  const weights = [1, 2, 3, 4, 10, 0, 0];
  const total = 20;
  const k = 3;
  const draws = 3000;
  const run = (options: object) => {
    T.manualSeed(41);
    return T.tidy(() => {
      const score = t(weights);
      const eligible = T.ones([weights.length]);
      let kept = T.zeros([weights.length], { dtype: 'float64' });
      let values = T.zeros([weights.length], { dtype: 'float64' });
      let distinct = 0;
      for (let draw = 0; draw < draws; draw++) {
        [kept, values] = T.tidy(() => {
          const mask = layerRandomMask(score, eligible, k, options).to('float64');
          distinct = Math.max(distinct, mask.ne(0).sum().item());
          return [kept.add(mask.ne(0).to('float64')), values.add(mask)].map((x) => T.keep(x));
        });
      }
      return { kept: kept.toArray(), mean: values.div(draws).toArray(), distinct };
    });
  };

  // Confidence: each frequency within Z = 4 binomial standard errors of 1 − (1 − p_i)³, the chance that one of
  // three i.i.d. draws ∝ w hits i (about 6e-5 false failures per entry). Without replacement the law is
  // successive sampling (previous describe); entry 4 (p = 0.5) is kept with 0.875 here and about 0.93 there.
  test('with replacement: ≤ k distinct kept, inclusion 1 − (1 − p_i)^k', () => {
    const { kept, distinct } = run({ replacement: true });
    assert.ok(distinct <= k);
    kept.forEach((count, index) => {
      const p = 1 - (1 - weights[index] / total) ** k;
      const bound = Z * Math.sqrt(Math.max(p * (1 - p), 1e-12) / draws);
      assert.ok(Math.abs(count / draws - p) <= bound, `weight ${weights[index]}: ${count / draws} vs ${p} (±${bound})`);
    });
    const without = successiveInclusion(weights, k);
    assert.ok(Math.abs(without[4] - (1 - 0.5 ** 3)) > 0.04, 'the two laws differ where the test looks');
  });

  // Confidence: with replacement and scaled values, m_i = (draws of i)/(k·p_i) is Algorithm 1 in the layer, so
  // E[m_i] = 1; Var(m_i) = (1 − p_i)/(k·p_i) and the mean of 3000 masks lies within Z = 4 standard errors of 1.
  test('with replacement and scaled values: Algorithm 1 in the layer, E[m_i] = 1', () => {
    const { mean } = run({ replacement: true, values: 'scaled' });
    weights.forEach((weight, index) => {
      if (weight === 0) { assert.equal(mean[index], 0); return; }
      const p = weight / total;
      const bound = Z * Math.sqrt((1 - p) / (k * p) / draws);
      assert.ok(Math.abs(mean[index] - 1) <= bound, `E[m_${index}] ≈ ${mean[index]} (±${bound})`);
    });
  });

  test('without replacement and scaled values: exactly k kept, each carrying 1/(k·p_i)', () => T.tidy(() => {
    T.manualSeed(43);
    for (let trial = 0; trial < 20; trial++) {
      const mask = layerRandomMask(t(weights), T.ones([weights.length]), k, { values: 'scaled' }).toArray();
      assert.equal(mask.filter((v) => v !== 0).length, k);
      mask.forEach((value, index) => {
        if (value !== 0) assert.ok(Math.abs(value - total / (k * weights[index])) < 1e-6, `m_${index} = ${value}`);
      });
    }
  }));

  test('prune: the readings reach the selection; randomMask needs sketch-random', async () => {
    const model = deepLinear([30, 20, 5]);
    const scaled = await prune(model, { method: 'magnitude', density: 0.2, selection: 'sketch-random', randomMask: { values: 'scaled' } });
    assert.equal(scaled.masks.isBinary(), false);
    assert.equal(scaled.record.kept, Math.round(0.2 * 700));
    assert.deepEqual(scaled.record.options.randomMask, { replacement: false, values: 'scaled' });
    const replaced = await prune(model, { method: 'magnitude', density: 0.2, selection: 'sketch-random', randomMask: { replacement: true } });
    assert.ok(replaced.masks.isBinary() && replaced.record.kept <= Math.round(0.2 * 700));
    await assert.rejects(prune(model, { method: 'magnitude', density: 0.2, randomMask: { replacement: true } }), /randomMask applies to the sketch-random selection/);
    await assert.rejects(prune(model, { method: 'magnitude', density: 0.2, selection: 'sketch-random', randomMask: { values: 'big' } as never }), /unknown randomMask.values 'big'/);
    scaled.masks.dispose();
    replaced.masks.dispose();
  });
});

describe('synaptic-flow keep rule', () => {
  /**
   * Brute force of Synaptic-Flow's Pruner._global_mask: every weight's score (pruned ones 0), sorted ascending, t =
   * the k-th smallest with k = trunc((1 − d)·N); kept = the survivors scoring above t (k = 0: all survivors).
   */
  function bruteSynapticFlow(values: number[], allowed: number[], density: number): number[] {
    const k = Math.trunc((1 - density) * values.length);
    const all = values.map((v, i) => (allowed[i] ? v : 0)).sort((a, b) => a - b);
    const threshold = k >= 1 ? all[k - 1] : -Infinity;
    return values.map((v, i) => (allowed[i] && v > threshold ? 1 : 0));
  }

  test('equals the brute force: ties, negative scores, pruned weights, global and local', () => T.tidy(() => {
    T.manualSeed(47);
    const selection = findSelection('threshold');
    for (let trial = 0; trial < 40; trial++) {
      const shapes = [[7, 5], [13], [4, 4]];
      const integers = trial % 2 === 0; // heavy ties
      const scores = shapes.map((shape) => integers ? T.randint(-3, 6, shape).to('float64') : T.randn(shape, { dtype: 'float64' }));
      const support = shapes.map((shape) => T.rand(shape).gt(trial % 3 === 0 ? 0 : 0.3));
      const density = [0.9, 0.5, 0.3, 0.12, 0.05][trial % 5];
      const values = scores.flatMap((score) => score.toArray());
      const allowed = support.flatMap((mask) => mask.toArray());
      const request = { scores, support, names: ['a', 'b', 'c'], density, scope: 'global' as const, rule: 'synaptic-flow' as const };
      const outcome = selection.select(request);
      const got = outcome.masks.flatMap((mask) => mask.toArray().map(Number));
      assert.deepEqual(got, bruteSynapticFlow(values, allowed, density), `trial ${trial}, density ${density}`);
      assert.equal(outcome.kept, got.reduce((a, b) => a + b, 0));
      const local = selection.select({ ...request, scope: 'local' }).masks;
      local.forEach((mask, layer) => assert.deepEqual(mask.toArray().map(Number),
        bruteSynapticFlow(scores[layer].toArray(), support[layer].toArray(), density), `trial ${trial}, layer ${layer}`));
      // sketch-random takes its per-layer counts from the same rule
      const counts = findSelection('sketch-random').select(request).counts!;
      assert.deepEqual(counts, outcome.masks.map((mask) => mask.sum().item()));
    }
  }));

  test('continuous scores keep N − ⌊(1 − d)·N⌋; ties at the threshold are all pruned', () => T.tidy(() => {
    const selection = findSelection('threshold');
    // N = 10, d = 0.21: ⌊0.79·10⌋ = 7 pruned, so 3 kept, where round(2.1) keeps 2; four scores tied at the
    // threshold (d = 0.3: the 7th smallest is 5) are all pruned, leaving none
    const scores = [t([9, 8, 7, 6, 5, 4, 3, 2, 1, 0.5])];
    const support = [ones(10)];
    assert.equal(selection.select({ scores, support, names: ['w'], density: 0.21, scope: 'global', rule: 'synaptic-flow' }).kept, 3);
    assert.equal(selection.select({ scores, support, names: ['w'], density: 0.21, scope: 'global' }).kept, 2);
    const tied = [t([5, 5, 5, 5, 1, 1, 1, 1, 1, 1])];
    assert.equal(selection.select({ scores: tied, support, names: ['w'], density: 0.3, scope: 'global', rule: 'synaptic-flow' }).kept, 0);
  }));
});
