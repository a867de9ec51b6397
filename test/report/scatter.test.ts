import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { scatterPlot, scatterSpec } from '../../src/report/plot/scatter.js';
import { checkRenderedPng, svgTexts, temporaryDir } from './helpers.js';

const series = [
  { name: 'Lemma 1', points: [1, 2, 3, 4].map((p) => ({ x: p, y: 0.8 * p })) },
  { name: 'Theorem 2', points: [1, 2, 3].map((p) => ({ x: p, y: 1.2 * p })) },
];

test('scatterPlot: measured vs predicted with y = x; names and titles in SVG; PNG valid', async () => {
  const dir = temporaryDir('scatter');
  const files = await scatterPlot(series, { dir, name: 'scatter', title: 'Measured vs predicted', xTitle: 'Predicted', yTitle: 'Measured', legendTitle: 'Statement', diagonal: true });
  const svg = fs.readFileSync(files.svg, 'utf8');
  const texts = svgTexts(svg);
  for (const expected of ['Measured vs predicted', 'Predicted', 'Measured', 'Statement', 'Lemma 1', 'Theorem 2']) {
    assert.ok(texts.includes(expected), `SVG text ${JSON.stringify(expected)} in ${JSON.stringify(texts)}`);
  }
  const marks = svg.slice(svg.indexOf('class="mark-symbol role-mark'));
  assert.equal((marks.slice(0, marks.indexOf('</g>')).match(/<path /g) ?? []).length, 7, 'one symbol per point');
  checkRenderedPng(files.png, svg);
});

test('scatterSpec: the diagonal spans the data range; log axes need positive values', () => {
  const spec = scatterSpec(series, { dir: '.', name: 'x', diagonal: true }) as unknown as { layer: { data?: { values: object[] } }[] };
  assert.deepEqual(spec.layer[0]!.data!.values, [{ x: 0.8, y: 0.8 }, { x: 4, y: 4 }]);
  assert.equal((scatterSpec(series, { dir: '.', name: 'x' }) as unknown as { layer: unknown[] }).layer.length, 1);
  assert.throws(() => scatterSpec([{ name: 'a', points: [{ x: 1, y: 0 }] }], { dir: '.', name: 'x', yScale: 'log' }), /log y axis needs y > 0, series "a" point 0 has 0/);
  assert.throws(() => scatterSpec([{ name: 'a', points: [] }], { dir: '.', name: 'x' }), /no points given/);
});
