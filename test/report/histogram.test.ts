import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { binEdges, histogram, histogramOverlay, histogramSpec, normalizeCounts } from '../../src/report/plot/histogram.js';
import { checkRenderedPng, svgTexts, temporaryDir } from './helpers.js';

// A deterministic pseudo-random sequence (LCG), so failures reproduce.
function sequence(n: number, seed: number, map: (u: number) => number): Float64Array {
  const out = new Float64Array(n);
  let state = seed >>> 0;
  for (let i = 0; i < n; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = map(state / 2 ** 32);
  }
  return out;
}

test('histogram counts equal a brute-force count per bin ([left, right), last bin closed)', () => {
  const values = sequence(5000, 1, (u) => Math.round((u * 4 - 2) * 8) / 8); // many values exactly on edges
  const edges = binEdges([values], { bins: 16, range: [-2, 2] });
  assert.deepEqual(edges, Array.from({ length: 17 }, (_, i) => -2 + i * 0.25));
  const h = histogram(values, edges);
  const brute = edges.slice(0, -1).map((left, k) => [...values].filter((v) => v >= left && (k === 15 ? v <= edges[16]! : v < edges[k + 1]!)).length);
  assert.deepEqual(h.counts, brute);
  assert.equal(h.dropped, 0);
  assert.equal(h.counts.reduce((a, b) => a + b, 0), 5000);
});

test('normalizations: probabilities sum to 1, densities integrate to 1; dropped values are counted', () => {
  const values = [...sequence(1000, 7, (u) => u * 10), NaN, Infinity, -5, 50];
  const h = histogram(values, binEdges([], { bins: 5, range: [0, 10] }));
  assert.equal(h.dropped, 4);
  assert.equal(h.total, 1004);
  const p = normalizeCounts(h, 'probability');
  assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  const d = normalizeCounts(h, 'density');
  assert.ok(Math.abs(d.reduce((a, b) => a + b * 2, 0) - 1) < 1e-12); // bin width 2
  assert.deepEqual(normalizeCounts(h, 'count'), h.counts);
});

test('log bins: edges equal in log10 space over the positive range; values <= 0 dropped', () => {
  const values = [0, -1, 1e-4, 1e-3, 0.01, 0.1, 1, 9.99];
  const edges = binEdges([values], { bins: 4, log: true, range: [1e-4, 1] });
  assert.deepEqual(edges.map((e) => Number(e.toPrecision(12))), [1e-4, 1e-3, 1e-2, 1e-1, 1]);
  const h = histogram(values, edges, true);
  assert.deepEqual(h.counts, [1, 1, 1, 2]); // 1e-3 starts bin 1, 1 closes the last bin
  assert.equal(h.dropped, 3); // 0, -1, 9.99
  assert.deepEqual(binEdges([[5, 5]], { bins: 2 }), [4.75, 5, 5.25]); // one repeated value: a visible bin around it
  assert.throws(() => binEdges([[0, -1]], { log: true }), /no finite positive values to bin/);
  assert.throws(() => binEdges([[1]], { bins: 0 }), /bins must be a positive integer, got 0/);
});

test('histogramOverlay: kept weights per method vs a uniform mask; names, titles in SVG; PNG valid', async () => {
  const dir = temporaryDir('hist');
  const normal = (u: number): number => Math.SQRT2 * inverseErf(2 * u - 1) * 0.1;
  const files = await histogramOverlay([
    { name: 'SynFlow (kept)', values: sequence(20000, 3, (u) => normal(u) + (u < 0.5 ? -0.1 : 0.1)) },
    { name: 'uniform mask', values: sequence(20000, 4, normal) },
  ], { dir, name: 'weights', title: 'Kept weights', xTitle: 'Weight value', legendTitle: 'Mask', bins: 40 });
  const svg = fs.readFileSync(files.svg, 'utf8');
  const texts = svgTexts(svg);
  for (const expected of ['Kept weights', 'Weight value', 'Fraction of values', 'Mask', 'SynFlow (kept)', 'uniform mask']) {
    assert.ok(texts.includes(expected), `SVG text ${JSON.stringify(expected)} in ${JSON.stringify(texts)}`);
  }
  checkRenderedPng(files.png, svg);
});

test('histogramSpec: a series that lost values says so in its legend label; shared bins across series', () => {
  const spec = histogramSpec([{ name: 'scores', values: [0, 1, 10, 100] }, { name: 'random', values: [1, 2] }],
    { dir: '.', name: 'x', log: true, bins: 2, normalize: 'count' }) as unknown as { data: { values: { series: string; start: number; end: number; height: number }[] } };
  const v = spec.data.values;
  assert.deepEqual([...new Set(v.map((d) => d.series))], ['scores (1 of 4 ≤ 0: not on the log axis)', 'random']);
  const ranged = histogramSpec([{ name: 'w', values: [-1, 0, 1, 5] }], { dir: '.', name: 'x', range: [0, 2], bins: 2 }) as unknown as { data: { values: { series: string }[] } };
  assert.equal(ranged.data.values[0]!.series, 'w (2 of 4 not shown)');
  assert.deepEqual(v.map((d) => [d.start, d.end].map((e) => Number(e.toPrecision(12)))), [[1, 10], [10, 100], [1, 10], [10, 100]]);
  assert.deepEqual(v.map((d) => d.height), [1, 2, 2, 0]);
});

/** Inverse error function (Giles 2010 single-precision approximation; accurate to ~1e-7, plenty for test data). */
function inverseErf(x: number): number {
  let w = -Math.log((1 - x) * (1 + x));
  let p: number;
  if (w < 5) {
    w -= 2.5;
    p = 2.81022636e-08;
    for (const c of [3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087, -0.00125372503, -0.00417768164, 0.246640727, 1.50140941]) p = c + p * w;
  } else {
    w = Math.sqrt(w) - 3;
    p = -0.000200214257;
    for (const c of [0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613, 0.00943887047, 1.00167406, 2.83297682]) p = c + p * w;
  }
  return p * x;
}
