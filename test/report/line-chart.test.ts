import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { lineChart, lineChartSpec, seriesFromAggregates } from '../../src/report/plot/line-chart.js';
import { aggregate } from '../../src/report/stats.js';
import { checkRenderedPng, svgTexts, temporaryDir } from './helpers.js';

const rows = [0.1, 0.05, 0.02].flatMap((density) => ['SynFlow', 'SNIP <sparse>'].flatMap((method, m) =>
  [0, 1, 2].map((seed) => ({ method, density, seed, accuracy: 0.9 - m * 0.02 - (0.1 - density) + seed * 0.005 }))));

test('seriesFromAggregates: one series per method, mean and std as y ± yError, sorted by x', () => {
  const series = seriesFromAggregates(aggregate(rows, ['method', 'density'], 'accuracy'), { series: 'method', x: 'density', scale: 100 });
  assert.deepEqual(series.map((s) => s.name), ['SynFlow', 'SNIP <sparse>']);
  assert.deepEqual(series[0]!.points.map((p) => p.x), [0.02, 0.05, 0.1]);
  // seeds add 0, 0.5, 1 percentage points: mean +0.5, sample std 0.5
  const p = series[0]!.points[2]!;
  assert.ok(Math.abs(p.y - 90.5) < 1e-9 && Math.abs(p.yError! - 0.5) < 1e-9, JSON.stringify(p));
});

test('lineChart: accuracy vs density with error bars on a log x axis; names, titles and ticks in the SVG; PNG valid', async () => {
  const dir = temporaryDir('line');
  const series = seriesFromAggregates(aggregate(rows, ['method', 'density'], 'accuracy'), { series: 'method', x: 'density', scale: 100 });
  const files = await lineChart(series, {
    dir, name: 'accuracy-vs-density', title: 'Accuracy vs density', xTitle: 'Density', yTitle: 'Test accuracy (%)',
    legendTitle: 'Method', xScale: 'log', xFormat: '.0%',
  });
  const svg = fs.readFileSync(files.svg, 'utf8');
  const texts = svgTexts(svg);
  for (const expected of ['Accuracy vs density', 'Density', 'Test accuracy (%)', 'Method', 'SynFlow', 'SNIP <sparse>', '2%', '5%', '10%']) {
    assert.ok(texts.includes(expected), `SVG text ${JSON.stringify(expected)} in ${JSON.stringify(texts)}`);
  }
  assert.ok(!svg.includes('SNIP <sparse>'), 'series names are escaped in the SVG');
  assert.ok(!texts.some((t) => t.includes(', low')), 'the error layer does not rename the y axis');
  checkRenderedPng(files.png, svg);
});

test('lineChartSpec: intervals from yError or yLow/yHigh; errors "band" and "none"', () => {
  const series = [{ name: 'a', points: [{ x: 1, y: 2, yError: 0.5 }, { x: 2, y: 3, yLow: 2.9, yHigh: 3.4 }, { x: 3, y: 4 }] }];
  const spec = lineChartSpec(series, { dir: '.', name: 'x' }) as unknown as { data: { values: object[] }; layer: { mark: { type: string } }[] };
  assert.deepEqual(spec.data.values, [
    { series: 'a', x: 1, y: 2, low: 1.5, high: 2.5 }, { series: 'a', x: 2, y: 3, low: 2.9, high: 3.4 }, { series: 'a', x: 3, y: 4 },
  ]);
  assert.deepEqual(spec.layer.map((l) => l.mark.type), ['line', 'errorbar']);
  const band = lineChartSpec(series, { dir: '.', name: 'x', errors: 'band' }) as unknown as typeof spec;
  assert.deepEqual(band.layer.map((l) => l.mark.type), ['line', 'errorband']);
  const none = lineChartSpec(series, { dir: '.', name: 'x', errors: 'none' }) as unknown as typeof spec;
  assert.deepEqual(none.layer.map((l) => l.mark.type), ['line']);
});

test('lineChart: a band chart renders; bad input names the problem', async () => {
  const dir = temporaryDir('line');
  const files = await lineChart([{ name: 'error', points: [{ x: 10, y: 1, yError: 0.1 }, { x: 100, y: 0.3, yError: 0.05 }] }],
    { dir, name: 'band', title: 'Error vs s', errors: 'band', xScale: 'log', yScale: 'log', xTitle: 's' });
  checkRenderedPng(files.png, fs.readFileSync(files.svg, 'utf8'));
  assert.throws(() => lineChartSpec([{ name: 'a', points: [] }, { name: 'a', points: [] }], { dir, name: 'x' }), /series name "a" appears twice/);
  assert.throws(() => lineChartSpec([{ name: 'a', points: [{ x: 0, y: 1 }] }], { dir, name: 'x', xScale: 'log' }), /log x axis needs x > 0, series "a" has x = 0/);
  assert.throws(() => lineChartSpec([{ name: 'a', points: [{ x: NaN, y: 1 }] }], { dir, name: 'x' }), /series "a" point 0 x must be a finite number, got NaN/);
});
