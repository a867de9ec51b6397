// IMP inside a real run (experiments/execute): the final ticket starts from the rewind weights under the mask
// (not from the initial weights), and the rand.-data rows search on a fixed random dataset of the real training
// set's size, normalized with the real data's statistics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildExperiment, runExperiment } from '../../src/experiments/index.js';
import { REWIND_FILE } from '../../src/experiments/execute.js';
import { loadRunData } from '../../src/experiments/run-data.js';
import { createModel } from '../../src/nn/index.js';
import { loadMasks } from '../../src/pruning/index.js';
import { evaluate } from '../../src/train/index.js';
import * as T from '../../src/torch/index.js';

test('IMP: the final model is the rewind weights ⊙ mask, not θ0 ⊙ mask', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sp-imp-rewind-'));
  const experiment = buildExperiment({
    name: 'imp-rewind',
    base: {
      model: 'fc', modelOptions: { widths: [32] }, dataset: 'synthetic', density: 0.3, seed: 3,
      data: { trainSubset: 256, testSubset: 256 },
      train: { epochs: 0, batchSize: 32, maxStepsPerEpoch: 4 },
      pruning: { method: 'imp', impPruneFraction: 0.5, impEpochsPerLevel: 1, impRewindIterations: 6 },
    },
  }, 'inline');
  const [outcome] = await runExperiment(experiment, { out: root, log: () => {} });
  assert.equal(outcome!.status, 'finished', outcome!.error);
  const result = JSON.parse(fs.readFileSync(path.join(outcome!.dir, 'result.json'), 'utf8'));
  const spec = experiment.runs[0]!.spec;
  const data = loadRunData(spec);
  const { masks } = loadMasks(path.join(outcome!.dir, 'masks.safetensors'));
  const build = () => { T.manualSeed(spec.seed); return createModel('fc', { widths: [32], inputShape: data.inputShape, numClasses: data.numClasses }); };
  try {
    const initial = build();
    const rewound = build();
    rewound.loadSafetensors(path.join(outcome!.dir, REWIND_FILE));
    const moved = T.tidy(() => rewound.parameters().some((w, i) => w.sub(initial.parameters()[i]).abs().max().item() > 1e-3));
    assert.ok(moved, 'the warm-up moved the weights away from θ0');
    masks.applyTo(initial);
    masks.applyTo(rewound);
    const fromRewind = evaluate(rewound, data.test);
    const fromInit = evaluate(initial, data.test);
    assert.notEqual(fromRewind.loss, fromInit.loss);
    assert.equal(result.testLoss, fromRewind.loss, 'the evaluated model is rewind ⊙ mask');
    initial.dispose();
    rewound.dispose();
  } finally {
    masks.dispose();
    data.dispose();
  }
});

test('IMP random data: a fixed set of the training set\'s size, normalized with the real statistics, fixed labels', () => {
  const spec = buildExperiment({
    name: 'x', base: { model: 'fc', dataset: 'synthetic', density: 0.1, data: { trainSubset: 96 }, train: { batchSize: 32 }, pruning: { method: 'imp', input: 'normal' } },
  }, 'inline').runs[0]!.spec;
  assert.equal(spec.pruning.imp.randomData, 'fixed');
  const data = loadRunData(spec);
  try {
    const source = data.randomTrain();
    assert.equal(source.length, data.train.length);
    const epoch = (e: number) => T.tidy(() => {
      const rows: string[] = [];
      for (let i = 0; i < source.length; i++) {
        const { inputs, labels } = source.batch(e, i);
        const values = inputs.data() as Float32Array;
        const width = values.length / inputs.size(0);
        labels.toArray().forEach((y, j) => rows.push(`${y}:${Array.from(values.subarray(j * width, (j + 1) * width), (v) => v.toFixed(4)).join(',')}`));
      }
      return rows;
    });
    const first = epoch(0);
    const second = epoch(1);
    assert.equal(first.length, 96);
    assert.notDeepEqual(first, second, 'shuffled per epoch');
    assert.deepEqual([...first].sort(), [...second].sort(), 'the same examples with the same labels every epoch');
    // the synthetic task's inputs have mean 0 and std 1; the random pixels are normalized to the same
    const pixels = first.flatMap((row) => row.split(':')[1]!.split(',').map(Number));
    const mean = pixels.reduce((a, b) => a + b, 0) / pixels.length;
    const std = Math.sqrt(pixels.reduce((a, b) => a + (b - mean) ** 2, 0) / pixels.length);
    assert.ok(Math.abs(mean) < 0.05 && Math.abs(std - 1) < 0.05, `normalized pixels: mean ${mean}, std ${std}`);
  } finally {
    data.dispose();
  }
});
