// Figure 1 data: uniform masks, kept values, the score subset, histograms; and the whole figure for one run.
import test, { describe } from 'node:test';
import assert from 'node:assert/strict';
import * as T from '../../src/torch/index.js';
import { MaskSet } from '../../src/nn/index.js';
import {
  figure1Data, histogramData, keptValues, prune, scoreSubsetSeries, uniformMask, wantsLogBins, weightValues,
} from '../../src/pruning/index.js';
import { SmallConvNet, Z, deepLinear } from './helpers.js';

describe('figure 1 data', () => {
  // Confidence: per layer the kept fraction of a uniform global mask is hypergeometric, within Z = 4 binomial
  // standard errors of the density.
  test('uniformMask keeps exactly round(d·N), spread evenly over layers, same for the same seed', () => {
    const model = deepLinear([200, 100, 50]);
    const masks = uniformMask(model, 0.2, 7);
    const again = uniformMask(model, 0.2, 7);
    assert.equal(masks.density() * 25000, Math.round(0.2 * 25000));
    for (const layer of masks.layerDensities()) {
      assert.ok(Math.abs(layer.density - 0.2) <= Z * Math.sqrt(0.2 * 0.8 / layer.total), `${layer.name}: ${layer.density}`);
    }
    for (const [name, mask] of masks.entries()) assert.equal(T.tidy(() => mask.eq(again.get(name)).all().item()), 1);
    masks.dispose();
    again.dispose();
  });

  test('keptValues returns exactly the weights where the mask is non-zero, in layer order', () => T.tidy(() => {
    const model = deepLinear([4, 3, 2]);
    const weights = weightValues(model);
    const masks = new MaskSet([...weights].map(([name, weight]) => [name, weight.gt(0).to('float32')]));
    const expected = [...weights.values()].flatMap((weight) => weight.toArray().filter((value) => value > 0));
    assert.deepEqual(Array.from(keptValues(weights, masks)), expected);
    masks.dispose();
  }));

  // Confidence: with a mask keeping the scores above the median, the kept count among 1000 drawn weights is
  // Binomial(1000, 1/2): within Z = 4 standard errors (±63) of 500.
  test('scoreSubsetSeries draws the subset once and shows the part each mask keeps', () => T.tidy(() => {
    T.manualSeed(3);
    const scores = new Map([['a', T.rand([60, 50], { dtype: 'float64' })], ['b', T.rand([2000], { dtype: 'float64' })]]);
    const all = T.cat([...scores.values()].map((score) => score.flatten()));
    const median = all.sort().values.select(0, Math.floor(all.numel / 2)).item();
    const upper = new MaskSet([...scores].map(([name, score]) => [name, score.gt(median).to('float32')]));
    const full = new MaskSet([...scores].map(([name, score]) => [name, T.ones(score.shape)]));
    const series = scoreSubsetSeries(scores, { upper, full }, 1000, 5, 'all');
    assert.equal(series.all.length, 1000);
    assert.deepEqual(Array.from(series.full), Array.from(series.all));
    assert.ok(Array.from(series.upper).every((value) => value > median));
    const expected = Array.from(series.all).filter((value) => value > median);
    assert.deepEqual(Array.from(series.upper), expected);
    assert.ok(Math.abs(expected.length - 500) <= Z * Math.sqrt(250), `kept ${expected.length} of 1000`);
    assert.deepEqual(Array.from(scoreSubsetSeries(scores, {}, 1000, 5, 'all').all), Array.from(series.all), 'same seed, same subset');
    upper.dispose();
    full.dispose();
  }));

  test('histogramData: shared bins, counts of every finite value, probabilities summing to 1, log bins', () => {
    const data = histogramData({ a: [0, 1, 2, 3, 4], b: [4, 4, NaN] }, { bins: 4 });
    assert.deepEqual(data.edges, [0, 1, 2, 3, 4]);
    assert.deepEqual(data.series[0].counts, [1, 1, 1, 2]);
    assert.deepEqual(data.series[1].counts, [0, 0, 0, 2]);
    assert.equal(data.series[0].probabilities.reduce((a, b) => a + b, 0), 1);
    const log = histogramData({ s: [0.01, 0.1, 1, 10, 0, -1] }, { bins: 3, log: true });
    assert.deepEqual(log.edges.map((edge) => Number(edge.toPrecision(6))), [0.01, 0.1, 1, 10]);
    assert.deepEqual(log.series[0].counts, [1, 1, 2]);
    assert.equal(log.series[0].nonPositive, 2);
  });

  test('wantsLogBins: all positive, or positive values over two decades even with zeros (SNIP + sparse input)', () => {
    assert.equal(wantsLogBins({ a: [1, 2, 3] }), true);
    assert.equal(wantsLogBins({ a: [0, 1, 2, 3] }), false, 'zeros and one decade: linear');
    assert.equal(wantsLogBins({ a: [0, 0, 1e-9, 1e-4], kept: [1e-5, 1e-4] }), true, 'zeros and five decades: log');
    assert.equal(wantsLogBins({ a: [0, -1, 99], b: [1] }), false, 'just under two decades');
    assert.equal(wantsLogBins({ a: [0, -1, 100], b: [1] }), true);
    assert.equal(wantsLogBins({ a: [0, 0] }), false, 'nothing positive');
  });

  test('figure1Data: a run, its randomized twin and a uniform mask of the same density', async () => {
    const model = new SmallConvNet();
    const options = { method: 'synflow', density: 0.2, iterations: 3, keepScores: true };
    const result = await prune(model, options);
    const data = await figure1Data(model, { result, options, subset: 100 });
    assert.deepEqual(Object.keys(data.weights.series).sort(), ['synflow + randomized mask', 'synflow mask', 'uniform']);
    for (const values of Object.values(data.weights.series)) assert.equal(values.length, result.record.kept);
    assert.deepEqual(Object.keys(data.scores.series).sort(), ['synflow + randomized mask', 'synflow mask', 'synflow scores']);
    assert.equal(data.scores.series['synflow scores'].length, 100);
    // SynFlow keeps larger weights than a uniform mask (Figure 1a's point)
    const meanAbs = (name: string) => data.weights.histogram.series.find((s) => s.name === name)!.meanAbs;
    assert.ok(meanAbs('synflow mask') > meanAbs('uniform'));
    await assert.rejects(figure1Data(model, { result: { ...result, scores: undefined }, options }), /keepScores: true/);
    result.masks.dispose();
    for (const score of result.scores!.values()) score.dispose();
  });
});
