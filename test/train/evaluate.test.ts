import { test } from 'node:test';
import assert from 'node:assert/strict';
import { manualSeed, randint, randn, tidy } from '../../src/torch/index.js';
import { Linear } from '../../src/nn/index.js';
import { TensorBatches, evaluate, topkCorrect } from '../../src/train/index.js';

/** Brute force: is the label among the k largest logits of the row? */
function inTopK(row: number[], label: number, k: number): boolean {
  const larger = row.filter((value) => value > row[label]).length;
  return larger < k;
}

test('topkCorrect counts rows whose label is among the k largest logits (brute force)', () => {
  manualSeed(11);
  tidy(() => {
    const logits = randn([300, 10]);
    const labels = randint(0, 10, [300]);
    const rows = Array.from({ length: 300 }, (_, i) => logits.select(0, i).toArray());
    const labelArray = labels.toArray();
    const expected = [1, 3, 5, 10].map((k) => rows.filter((row, i) => inTopK(row, labelArray[i], k)).length);
    assert.deepEqual(topkCorrect(logits, labels, [1, 3, 5, 10]), expected);
    assert.equal(expected[3], 300);
    assert.ok(expected[0] > 0 && expected[0] < expected[1] && expected[1] < expected[2]);
  });
});

test('topkCorrect caps k at the class count', () => {
  tidy(() => {
    const logits = randn([20, 3]);
    const labels = randint(0, 3, [20]);
    assert.deepEqual(topkCorrect(logits, labels, [5]), [20]);
  });
});

test('evaluate gives the mean cross-entropy and top-1/top-5 over all batches, the last one partial', () => {
  manualSeed(12);
  const model = new Linear(6, 8);
  const data = tidy(() => new TensorBatches(randn([103, 6]), randint(0, 8, [103]), { batchSize: 25, shuffle: false }));
  const result = evaluate(model, data);
  // Brute force over all examples at once, log-softmax in float64 JS.
  const logits = tidy(() => model.forward(data.inputs).double());
  const rows = Array.from({ length: 103 }, (_, i) => tidy(() => logits.select(0, i).toArray()));
  const labels = data.labels.toArray();
  let loss = 0;
  rows.forEach((row, i) => {
    const max = Math.max(...row);
    const logSum = max + Math.log(row.reduce((sum, value) => sum + Math.exp(value - max), 0));
    loss += logSum - row[labels[i]];
  });
  assert.equal(result.examples, 103);
  assert.ok(Math.abs(result.loss - loss / 103) < 1e-5, `${result.loss} vs ${loss / 103}`);
  assert.equal(result.top1, rows.filter((row, i) => inTopK(row, labels[i], 1)).length / 103);
  assert.equal(result.top5, rows.filter((row, i) => inTopK(row, labels[i], 5)).length / 103);
  assert.equal(model.training, true, 'evaluate restores train mode');
  logits.dispose();
});
