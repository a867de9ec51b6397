// Inputs that used to give silently wrong results are errors or warnings now: empty and negative mask files, a
// resumed run under another mask with the same per-layer counts, inconsistent checkpoint metadata, and densities
// that disconnect whole layers. On the command line (--limit-train 0, prune's collapse warning):
// test/e2e/silent-results-cli.test.ts.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeSafetensors, encodeSafetensors, tensor, tidy } from '../../src/torch/index.js';
import { MaskSet, prunableParameters } from '../../src/nn/index.js';
import { loadCheckpoint, trainModel, checkpointPath } from '../../src/train/index.js';
import { collapseWarning, prune } from '../../src/pruning/index.js';
import { smallModel, syntheticData } from './helpers.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sketchprune-silent-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));
const recipe = { epochs: 2, seed: 3, optimizer: { lr: 0.05, momentum: 0.9 } };

test('a mask file with no tensors, or with negative / NaN values, is refused naming the file', () => {
  const empty = path.join(root, 'empty.safetensors');
  new MaskSet().save(empty);
  assert.throws(() => MaskSet.load(empty), new RegExp(`${empty}: holds no masks`));
  const negative = path.join(root, 'negative.safetensors');
  tidy(() => new MaskSet([['w', tensor([1, 0, -0.5, 1])]]).save(negative));
  assert.throws(() => MaskSet.load(negative), /mask 'w' has 1 negative, NaN or infinite values/);
  const nan = path.join(root, 'nan.safetensors');
  tidy(() => new MaskSet([['w', tensor([1, Number.NaN, 2.5, 0])]]).save(nan));
  assert.throws(() => MaskSet.load(nan), /mask 'w' has 1 negative, NaN or infinite values/);
  const scaled = path.join(root, 'scaled.safetensors');
  tidy(() => new MaskSet([['w', tensor([0, 2.5, 1])]]).save(scaled));
  MaskSet.load(scaled).masks.dispose(); // scaled sketch values are fine
});

/** Masks keeping the first (shift = 0) or the last (shift = 1) half of each layer's weights: same counts. */
function halfMasks(model: ReturnType<typeof smallModel>, shift: number): MaskSet {
  return new MaskSet(prunableParameters(model).map(([name, weight]) => [name, tidy(() => {
    const values = Float32Array.from({ length: weight.numel }, (_, i) => ((i < weight.numel / 2) !== (shift === 1) ? 1 : 0));
    return tensor(values, weight.shape);
  })]));
}

test('resuming with another mask of the same per-layer counts is refused (mask digest)', async () => {
  const dir = fs.mkdtempSync(path.join(root, 'digest-'));
  const first = halfMasks(smallModel(), 0);
  const other = halfMasks(smallModel(), 1);
  assert.deepEqual(first.layerDensities(), other.layerDensities(), 'same per-layer counts');
  assert.notEqual(first.digest(), other.digest());
  assert.equal(first.digest(), halfMasks(smallModel(), 0).digest());
  await trainModel({ model: smallModel(), masks: first, trainData: syntheticData(64, 32), ...recipe, checkpointDir: dir, maxSteps: 2 });
  await assert.rejects(trainModel({ model: smallModel(), masks: other, trainData: syntheticData(64, 32), ...recipe, checkpointDir: dir, resume: true }),
    /other settings \(maskDigest: checkpoint "[0-9a-f]{16}", now "[0-9a-f]{16}"\)/);
  const resumed = await trainModel({ model: smallModel(), masks: first, trainData: syntheticData(64, 32), ...recipe, checkpointDir: dir, resume: true });
  assert.equal(resumed.resumedFrom, 2);
});

test('checkpoint metadata that contradicts itself (globalStep, batch, history) is refused', async () => {
  const dir = fs.mkdtempSync(path.join(root, 'meta-'));
  await trainModel({ model: smallModel(), trainData: syntheticData(64, 32), ...recipe, checkpointDir: dir, maxSteps: 3 });
  const file = checkpointPath(dir);
  fs.rmSync(path.join(dir, 'checkpoint.previous.safetensors')); // no fallback: the tampered file itself is judged
  const original = fs.readFileSync(file);
  const tamper = (change: (state: Record<string, unknown>) => void): void => {
    tidy(() => {
      const { tensors, metadata } = decodeSafetensors(original);
      const state = JSON.parse(metadata['sketchprune.checkpoint']);
      change(state);
      fs.writeFileSync(file, encodeSafetensors(tensors, { 'sketchprune.checkpoint': JSON.stringify(state) }));
    });
  };
  const cases: [string, (state: Record<string, unknown>) => void, RegExp][] = [
    ['globalStep', (s) => { s.globalStep = 999; }, /globalStep 999 is not epoch 1 × 2 steps \+ batch 1/],
    ['batch', (s) => { s.batch = 7; }, /position epoch 1, batch 7 lies outside 2 epochs of 2 steps/],
    ['negative', (s) => { s.epoch = -1; }, /must be integers ≥ 0/],
    ['history', (s) => { s.history = []; }, /history has 0 records for 1 finished epochs/],
    ['history record', (s) => { (s.history as Record<string, unknown>[])[0]!.epoch = 5; }, /history record 1 is malformed/],
    ['accumulator', (s) => { (s.accumulator as Record<string, unknown>).steps = 4; }, /accumulator .* does not match batch 1/],
    ['finished', (s) => { s.finished = true; }, /finished is true at epoch 1 of 2/],
  ];
  for (const [name, change, reason] of cases) {
    tamper(change);
    assert.throws(() => loadCheckpoint(dir), (error: Error) => /inconsistent metadata/.test(error.message) && reason.test(error.message), name);
  }
  fs.writeFileSync(file, original);
  loadCheckpoint(dir)!.dispose();
});

test('a density that empties whole layers warns of layer collapse (library; the prune command: test/e2e/silent-results-cli.test.ts)', async () => {
  const model = smallModel();
  const result = await prune(model, { method: 'magnitude', density: 1e-7, seed: 0 });
  assert.equal(result.record.kept, 1, 'one weight of 384 survives a density of 1e-7');
  const message = collapseWarning(result.record);
  assert.match(message!, /warning: 1 layer keeps no weights \((1|5)\.weight\): the network is disconnected \(layer collapse\)/);
  result.masks.dispose();
  const healthy = await prune(smallModel(), { method: 'magnitude', density: 0.5, seed: 0 });
  assert.equal(collapseWarning(healthy.record), null);
  healthy.masks.dispose();
  model.dispose();
});
