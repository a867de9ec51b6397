// Figure data: kept-weight samples, score samples and mask norms against direct computations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/data/index.js';
import { keptWeightSample, maskNorms, randomMaskNormDistribution, randomNorms, scoreSample } from '../../src/experiments/analysis.js';

const layer = (n: number, seed: number, keepEvery: number) => {
  const rng = new Rng(seed, 'test');
  const weights = Float32Array.from({ length: n }, () => rng.nextNormal());
  const mask = Float32Array.from({ length: n }, (_, i) => (i % keepEvery === 0 ? 1 : 0));
  return { name: `l${seed}`, weights, mask };
};

test('ticket norm is the norm of the kept weights; random masks keep the same count', () => {
  const layers = [layer(1000, 1, 10), layer(300, 2, 3)];
  const norms = maskNorms(layers, 50, 0);
  for (const [j, { weights, mask }] of layers.entries()) {
    let sum = 0;
    for (let i = 0; i < weights.length; i++) if (mask[i]) sum += weights[i]! ** 2;
    assert.ok(Math.abs(norms[j]!.ticket - Math.sqrt(sum)) < 1e-9);
  }
  // Every random mask draws exactly k distinct entries: with all squares equal to 1 the norm is √k exactly.
  assert.deepEqual(randomNorms(new Float64Array(100).fill(1), 7, 5, new Rng(0, 'x')), Array(5).fill(Math.sqrt(7)));
  // Distinctness: squares 1..n, k = n gives the full sum every time.
  const squares = Float64Array.from({ length: 20 }, (_, i) => i + 1);
  assert.deepEqual(randomNorms(squares, 20, 3, new Rng(0, 'y')), Array(3).fill(Math.sqrt(210)));
});

test('random-mask norms: the mean squared norm is k/n of the total (z-test, 4.5 sigma)', () => {
  const n = 500;
  const k = 50;
  const squares = Float64Array.from({ length: n }, (_, i) => ((i * 7919) % 97) / 10);
  const total = squares.reduce((a, b) => a + b, 0);
  const trials = 4000;
  const sq = randomNorms(squares, k, trials, new Rng(3, 'z')).map((v) => v * v);
  const mean = sq.reduce((a, b) => a + b, 0) / trials;
  const variance = sq.reduce((a, v) => a + (v - mean) ** 2, 0) / (trials - 1);
  const expected = (k / n) * total;
  assert.ok(Math.abs(mean - expected) < 4.5 * Math.sqrt(variance / trials), `mean ${mean} vs ${expected}`);
  const dist = randomMaskNormDistribution([layer(200, 4, 4)], 100, 1);
  assert.equal(dist[0]!.random.length, 100);
});

test('samples: kept weights are kept values; score sample flags match the mask', () => {
  const layers = [layer(100, 5, 2), layer(50, 6, 5)];
  const kept = keptWeightSample(layers, 1000, 0);
  assert.equal(kept.length, 50 + 10);
  const limited = keptWeightSample(layers, 20, 0);
  assert.equal(limited.length, 20);
  const pool = new Set(kept);
  assert.ok(limited.every((v) => pool.has(v)));
  const scores = layers.map((l) => Float64Array.from(l.weights, (w, i) => i + Math.abs(w)));
  const sample = scoreSample(scores, layers.map((l) => l.mask), 30, 0);
  assert.equal(sample.scores.length, 30);
  sample.scores.forEach((s, i) => {
    const inFirst = scores[0]!.indexOf(s);
    const where = inFirst >= 0 ? { l: 0, i: inFirst } : { l: 1, i: scores[1]!.indexOf(s) };
    assert.equal(sample.kept[i], layers[where.l]!.mask[where.i] !== 0);
  });
});
