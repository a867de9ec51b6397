// A tiny real experiment (synthetic data, small FC net, a few steps): prune → train → result.json → report,
// with the report's table checked against mean ± std computed here from the per-run results.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildExperiment, buildReport, runExperiment, readAnalysis } from '../../src/experiments/index.js';
import { setNumThreads } from '../../src/torch/index.js';
import { loadMasks } from '../../src/pruning/index.js';

setNumThreads(1);

const config = {
  name: 'tiny',
  title: 'Tiny end-to-end',
  base: {
    model: 'fc', modelOptions: { widths: [32] }, dataset: 'synthetic',
    data: { trainSubset: 512, testSubset: 256 },
    train: { epochs: 2, batchSize: 64, maxStepsPerEpoch: 4, milestones: [1], lr: 0.05 },
    analysis: { weightHistogram: true },
  },
  grid: {
    pruning: [{ method: 'magnitude' }, { method: 'synflow', iterations: 5, selection: 'sketch-random' }],
    density: [0.5, 0.2],
    seed: [0, 1, 2],
  },
  report: {
    tables: [{ title: 'acc', rows: ['model', 'density'], columns: 'method', order: { method: ['Magnitude', 'SynFlow + rand. mask'] } }],
    plots: [{ kind: 'accuracy-vs-density' }, { kind: 'weight-histogram', filter: { density: 0.2 } }],
  },
};

function meanStd(values: number[]): string {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1);
  return `${(100 * mean).toFixed(2)} ± ${(100 * Math.sqrt(variance)).toFixed(2)}`;
}

test('tiny experiment: runs, masks, metrics, and a report whose table equals the per-run results', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sp-e2e-'));
  const out = path.join(root, 'runs');
  const experiment = buildExperiment(config, 'inline');
  assert.equal(experiment.runs.length, 12);
  const outcomes = await runExperiment(experiment, { out, log: () => {} });
  assert.deepEqual(outcomes.filter((o) => o.status !== 'finished').map((o) => o.error), []);

  const results = new Map<string, number[]>();
  for (const { run, dir } of outcomes) {
    for (const file of ['config.json', 'result.json', 'masks.safetensors', 'metrics.jsonl']) {
      assert.ok(fs.existsSync(path.join(dir, file)), `${file} in ${dir}`);
    }
    const result = JSON.parse(fs.readFileSync(path.join(dir, 'result.json'), 'utf8'));
    assert.ok(result.testAccuracy > 0 && result.testAccuracy <= 1);
    assert.equal(result.steps, 8);
    // The kept fraction is what was asked for (exact top-k / per-layer counts from the global threshold).
    const { masks } = loadMasks(path.join(dir, 'masks.safetensors'));
    assert.ok(Math.abs(masks.density() - run.spec.density) < 1e-3, `density ${masks.density()} vs ${run.spec.density}`);
    assert.ok(Math.abs(result.measuredDensity - masks.density()) < 1e-12);
    // Figure 1a data: the sampled kept weights are all non-zero initial weights.
    const kept = readAnalysis(dir)!.keptWeights!;
    assert.ok(kept.length > 0 && kept.every((w) => w !== 0));
    masks.dispose();
    const metrics = fs.readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(metrics.filter((m) => m.type === 'epoch').length, 2);
    const key = `${run.method}|${run.spec.density}`;
    results.set(key, [...(results.get(key) ?? []), result.testAccuracy]);
  }

  const report = await buildReport(out, path.join(root, 'report'));
  assert.equal(report.tables.length, 1);
  const { table } = report.tables[0]!;
  assert.deepEqual(table.columns, ['Model', 'Density', 'Magnitude', 'SynFlow + rand. mask']);
  const text = (cell: unknown): string => (typeof cell === 'string' ? cell : (cell as { text: string }).text);
  const densities = ['50%', '20%'];
  const stats = (values: number[]) => {
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    return { mean, std: Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1)) };
  };
  table.rows.forEach((row, i) => {
    assert.equal(text(row[1]), densities[i]);
    const density = [0.5, 0.2][i]!;
    const magnitude = results.get(`Magnitude|${density}`)!;
    const synflow = results.get(`SynFlow + rand. mask|${density}`)!;
    // The lower mean is marked † when it is within one std (the larger of the two) of the best.
    const [a, b] = [stats(magnitude), stats(synflow)];
    const tie = Math.abs(a.mean - b.mean) <= Math.max(a.std, b.std);
    const mark = (mine: typeof a, other: typeof a) => (tie && mine.mean < other.mean ? ' †' : '');
    assert.equal(text(row[2]), meanStd(magnitude) + mark(a, b));
    assert.equal(text(row[3]), meanStd(synflow) + mark(b, a));
  });
  // The CSV holds the same summary as numbers: Model, Density, then mean, std, n per method.
  const csvRow = fs.readFileSync(report.tables[0]!.csv, 'utf8').split('\n')[1]!.split(',');
  const magnitude = results.get('Magnitude|0.5')!;
  const mean = magnitude.reduce((a, b) => a + b, 0) / magnitude.length;
  const std = Math.sqrt(magnitude.reduce((a, v) => a + (v - mean) ** 2, 0) / (magnitude.length - 1));
  assert.equal(csvRow[1], '50%');
  assert.ok(Math.abs(Number(csvRow[2]) - 100 * mean) < 1e-9 && Math.abs(Number(csvRow[3]) - 100 * std) < 1e-9 && csvRow[4] === '3', csvRow.join(','));
  assert.equal(report.plots.length, 2);
  for (const plot of report.plots) assert.ok(fs.statSync(plot.png).size > 1000 && fs.readFileSync(plot.svg, 'utf8').includes('<svg'));
  const html = fs.readFileSync(report.html, 'utf8');
  assert.ok(html.includes('Tiny end-to-end') && html.includes(meanStd(results.get('Magnitude|0.2')!)));

  // Re-running skips everything.
  const again = await runExperiment(experiment, { out, log: () => {} });
  assert.ok(again.every((o) => o.status === 'skipped'));
});

test('an interrupted real run resumes from its checkpoint and saved masks', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sp-resume-'));
  const single = { ...config, grid: { pruning: [{ method: 'magnitude' }], density: [0.2], seed: [0] } };
  const experiment = buildExperiment(single, 'inline');
  const straight = await runExperiment(experiment, { out: path.join(root, 'straight'), log: () => {} });
  const reference = JSON.parse(fs.readFileSync(path.join(straight[0]!.dir, 'result.json'), 'utf8'));

  // Interrupt: stop after the first epoch's steps by failing from the progress log, then resume.
  const out = path.join(root, 'resumed');
  const { execute } = await import('../../src/experiments/execute.js');
  let crashed = false;
  const first = await runExperiment(experiment, {
    out, log: () => {},
    execute: (run, context) => execute(run, {
      ...context,
      log: (line) => { if (!crashed && line.startsWith('epoch 1/2 done')) { crashed = true; throw new Error('simulated interruption'); } },
    }),
  });
  assert.equal(first[0]!.status, 'failed');
  assert.ok(fs.existsSync(path.join(first[0]!.dir, 'masks.safetensors')));
  const second = await runExperiment(experiment, { out, log: () => {} });
  assert.equal(second[0]!.status, 'finished');
  const resumed = JSON.parse(fs.readFileSync(path.join(second[0]!.dir, 'result.json'), 'utf8'));
  assert.ok(resumed.resumedFromStep > 0, `resumed from step ${resumed.resumedFromStep}`);
  assert.equal(resumed.testAccuracy, reference.testAccuracy); // bit-exact resume: same final accuracy
  assert.equal(resumed.trainLoss, reference.trainLoss);
});

test('IMP figure data: random masks are drawn over the unpruned rewind weights at every round', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sp-imp-'));
  const experiment = buildExperiment({
    name: 'imp-norms',
    base: {
      model: 'fc', modelOptions: { widths: [32] }, dataset: 'synthetic', density: 0.2,
      data: { trainSubset: 256, testSubset: 128 },
      train: { epochs: 0, batchSize: 64, maxStepsPerEpoch: 2 },
      pruning: { method: 'imp', impPruneFraction: 0.5, impEpochsPerLevel: 1 },
      analysis: { maskNorms: true, randomMasks: 200 },
    },
  }, 'inline');
  const [outcome] = await runExperiment(experiment, { out: root, log: () => {} });
  assert.equal(outcome!.status, 'finished', outcome!.error);
  const analysis = readAnalysis(outcome!.dir)!;
  const levels = analysis.maskNorms!;
  // 3 rounds (0.5³ ≤ 0.2), exponential schedule 0.2^(k/3); each entry is the mask a round starts from.
  assert.deepEqual(levels.map((l) => Number(l.density.toFixed(3))), [1, 0.2 ** (1 / 3), 0.2 ** (2 / 3), 0.2].map((d) => Number(d.toFixed(3))));
  const full = levels[0]!.layers.map((l) => l.ticket); // density 1: the whole rewind weights
  levels[0]!.layers.forEach((l) => assert.ok(Math.abs(l.random - l.ticket) < 1e-9));
  // Each random mask keeps the layer's count k of its n rewind weights: E‖·‖² = (k/n)·‖w‖², so the 20-mask mean
  // of norms is close to √(k/n)·‖w‖ (within 8% here; the draws are seeded) at every round, not only the last.
  for (const level of levels.slice(1)) {
    level.layers.forEach((l, j) => {
      const expected = Math.sqrt(l.kept / l.total) * full[j]!;
      assert.ok(Math.abs(l.random - expected) / expected < 0.08, `density ${level.density} ${l.name}: random ${l.random} vs ${expected}`);
    });
  }
  const dist = analysis.randomMaskNorms!.layers;
  assert.equal(dist[0]!.random.length, 200);
  dist.forEach((l, j) => assert.ok(Math.abs(l.ticket - levels[3]!.layers[j]!.ticket) < 1e-9));
});
