import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { groupedBarChart, groupedBarSpec } from '../../src/report/plot/bar-chart.js';
import { checkRenderedPng, svgTexts, temporaryDir } from './helpers.js';

const bars = ['10%', '5%', '2%'].flatMap((group, g) => ['SynFlow', 'SynFlow + rand. mask'].map((series, s) =>
  ({ group, series, value: 93 - g * 1.5 + s * 0.2, ...(s === 0 ? { error: 0.2 } : {}) })));

test('groupedBarChart: groups on x, a bar per series, whiskers; names and titles in SVG; PNG valid', async () => {
  const dir = temporaryDir('bars');
  const files = await groupedBarChart(bars, { dir, name: 'bars', title: 'Accuracy by density', xTitle: 'Density', yTitle: 'Accuracy (%)', legendTitle: 'Method' });
  const svg = fs.readFileSync(files.svg, 'utf8');
  const texts = svgTexts(svg);
  for (const expected of ['Accuracy by density', 'Density', 'Accuracy (%)', 'Method', 'SynFlow', 'SynFlow + rand. mask', '10%', '5%', '2%']) {
    assert.ok(texts.includes(expected), `SVG text ${JSON.stringify(expected)} in ${JSON.stringify(texts)}`);
  }
  // groups appear on the axis in the given order (first appearance)
  assert.ok(texts.indexOf('10%') < texts.indexOf('5%') && texts.indexOf('5%') < texts.indexOf('2%'));
  checkRenderedPng(files.png, svg);
});

test('groupedBarSpec: whisker data only where an error is given; explicit orders; bad values named', () => {
  const spec = groupedBarSpec(bars, { dir: '.', name: 'x', groupOrder: ['2%', '5%', '10%'] }) as unknown as {
    data: { values: { low?: number; high?: number }[] }; layer: { encoding: { x: { sort: string[] } } }[];
  };
  assert.deepEqual(spec.data.values.map((v) => v.low === undefined ? null : [v.low, v.high]), [[92.8, 93.2], null, [91.3, 91.7], null, [89.8, 90.2], null]);
  assert.deepEqual(spec.layer[0]!.encoding.x.sort, ['2%', '5%', '10%']);
  assert.throws(() => groupedBarSpec([{ group: 'a', series: 'b', value: NaN }], { dir: '.', name: 'x' }), /bar 0 \(a, b\) value must be a finite number, got NaN/);
  assert.throws(() => groupedBarSpec([], { dir: '.', name: 'x' }), /no bars given/);
});
