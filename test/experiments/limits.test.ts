// Unbounded requests are refused before any work: a 10^9-run grid (counted, not expanded). Absurd --threads and
// --workers and an output directory under /proc, on the command line: test/e2e/limits-cli.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildExperiment } from '../../src/experiments/experiment.js';

const base = { model: 'lenet300', dataset: 'synthetic', pruning: { method: 'random' }, train: { epochs: 1 } };
const values = (n: number, f: (i: number) => unknown) => Array.from({ length: n }, (_, i) => f(i));

test('a grid of 10^9 runs is refused from its count, without expanding it', () => {
  const before = process.memoryUsage().rss;
  const started = Date.now();
  const grid = { seed: values(1000, (i) => i), density: values(1000, (i) => (i + 1) / 1001), lr: values(1000, (i) => 0.001 * (i + 1)) };
  assert.throws(() => buildExperiment({ name: 'huge', base: { ...base, train: { epochs: 1 } }, grid: { seed: grid.seed, density: grid.density, 'train': values(1000, (i) => ({ epochs: 1, lr: grid.lr[i] })) } }, 'huge.json'),
    /grid: expands to 1,000,000,000 runs, more than the limit of 100,000/);
  assert.ok(Date.now() - started < 2000, 'refused at once');
  assert.ok(process.memoryUsage().rss - before < 200e6, 'without building the runs');
  // A list of grids is counted as the sum of its products.
  assert.throws(() => buildExperiment({ name: 'sum', base, grid: [{ seed: values(400, (i) => i), density: values(300, (i) => (i + 1) / 301) }, { seed: [0], density: [0.1] }] }, 'sum.json'),
    /expands to 120,001 runs/);
});
