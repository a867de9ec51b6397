// MaskSet: which parameters are prunable, densities by counting, applying/zeroing/gradient masking checked
// entry by entry against plain JS arithmetic, fit errors, file round trips (safetensors, and .pt read by PyTorch).
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as T from '../../src/torch/index.js';
import {
  Module, Sequential, Linear, Conv2d, BatchNorm2d, ReLU, Flatten, MaskSet, prunableParameters, createModel,
} from '../../src/nn/index.js';
import { hasPyTorch, noPyTorch, runReferenceJson } from '../helpers/pytorch.js';

/** conv (with bias) → BN → ReLU → flatten → linear: one of each kind of parameter. */
class Small extends Module {
  readonly body = this.registerModule('body', new Sequential(
    new Conv2d(2, 3, 3, { padding: 1 }), new BatchNorm2d(3), new ReLU(), new Flatten(), new Linear(3 * 4 * 4, 5)));
  forward(input: T.Tensor): T.Tensor { return this.body.forward(input); }
}

/** A mask with a known pattern: element i is kept (value `keptValue`) when i % period === 0. */
function patternMask(shape: number[], period: number, keptValue = 1): { mask: T.Tensor; kept: number; values: number[] } {
  const count = shape.reduce((a, b) => a * b, 1);
  const values = Array.from({ length: count }, (_, i) => (i % period === 0 ? keptValue : 0));
  return { mask: T.tensor(values, shape), kept: values.filter((v) => v !== 0).length, values };
}

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'sketchprune-masks-'));

test('MaskSet.ones: conv and linear weights by default; biases and batch norm on request', () => {
  const model = new Small();
  const masks = MaskSet.ones(model);
  assert.deepEqual(masks.names, ['body.0.weight', 'body.4.weight']);
  assert.deepEqual(masks.get('body.0.weight').shape, [3, 2, 3, 3]);
  assert.equal(masks.density(), 1);
  assert.ok(masks.isBinary());
  const all = MaskSet.ones(model, { biases: true, batchNorm: true });
  assert.deepEqual(all.names, ['body.0.weight', 'body.0.bias', 'body.1.weight', 'body.1.bias', 'body.4.weight', 'body.4.bias']);
  assert.deepEqual(prunableParameters(model, { biases: true }).map(([name]) => name),
    ['body.0.weight', 'body.0.bias', 'body.4.weight', 'body.4.bias']);
  class Empty extends Module { forward(input: T.Tensor): T.Tensor { return input; } }
  assert.throws(() => MaskSet.ones(new Empty()), /Empty has no prunable parameters/);
  for (const item of [masks, all, model]) item.dispose();
});

test('layerDensities and density count non-zero entries, scaled values included', () => {
  const conv = patternMask([3, 2, 3, 3], 4);       // 54 entries, 14 kept
  const linear = patternMask([5, 48], 10, 2.5);      // 240 entries, 24 kept, sketch-scaled
  const masks = new MaskSet([['body.0.weight', conv.mask], ['body.4.weight', linear.mask]]);
  assert.deepEqual(masks.layerDensities(), [
    { name: 'body.0.weight', kept: 14, total: 54, density: 14 / 54 },
    { name: 'body.4.weight', kept: 24, total: 240, density: 24 / 240 },
  ]);
  assert.equal(masks.density(), (14 + 24) / (54 + 240));
  assert.equal(masks.isBinary(), false);
  masks.set('body.4.weight', patternMask([5, 48], 10).mask);
  assert.equal(masks.isBinary(), true);
  assert.equal(masks.layerDensities()[1].kept, 24);
  masks.dispose();
});

test('set() converts boolean and integer masks to float32 and takes ownership', () => {
  const masks = new MaskSet();
  const boolMask = T.tensor([1, 0, 1, 1], [4]).bool();
  masks.set('a', boolMask);
  assert.equal(boolMask.isDisposed, true);
  assert.equal(masks.get('a').dtype, 'float32');
  assert.deepEqual(masks.get('a').toArray(), [1, 0, 1, 1]);
  assert.throws(() => masks.get('b'), /no mask for parameter 'b'/);
  masks.dispose();
  assert.equal(masks.size, 0);
});

test('applyTo multiplies each masked weight by its mask (scaled values rescale), other parameters untouched', () => {
  T.manualSeed(5);
  const model = new Small();
  const before = Object.fromEntries(Object.entries(model.stateDict()).map(([name, t]) => [name, t.toArray()]));
  const conv = patternMask([3, 2, 3, 3], 3, 4);
  const linear = patternMask([5, 48], 7);
  const masks = new MaskSet([['body.0.weight', conv.mask], ['body.4.weight', linear.mask]]);
  masks.applyTo(model);
  const after = model.stateDict();
  const convAfter = after['body.0.weight'].toArray();
  before['body.0.weight'].forEach((w, i) => assert.equal(convAfter[i], Math.fround(w * conv.values[i])));
  const linearAfter = after['body.4.weight'].toArray();
  before['body.4.weight'].forEach((w, i) => assert.equal(linearAfter[i], Math.fround(w * linear.values[i])));
  assert.deepEqual(after['body.0.bias'].toArray(), before['body.0.bias']);
  assert.deepEqual(after['body.4.bias'].toArray(), before['body.4.bias']);
  assert.equal(after['body.4.weight'].requiresGrad, true);
  masks.dispose();
  model.dispose();
});

test('zeroPruned zeroes pruned weights and keeps kept weights as they are (no rescaling)', () => {
  const model = new Small();
  const linear = patternMask([5, 48], 3, 2.5);
  const masks = new MaskSet([['body.4.weight', linear.mask]]);
  const before = model.stateDict()['body.4.weight'].toArray();
  masks.zeroPruned(model);
  const after = model.stateDict()['body.4.weight'].toArray();
  before.forEach((w, i) => assert.equal(after[i], linear.values[i] === 0 ? 0 : w));
  masks.dispose();
  model.dispose();
});

test('maskGradients zeroes the gradient of pruned weights only', () => {
  T.manualSeed(6);
  const model = new Small();
  const conv = patternMask([3, 2, 3, 3], 2);
  const masks = new MaskSet([['body.0.weight', conv.mask]]);
  const [weight] = model.parameters();
  T.tidy(() => model.forward(T.randn([4, 2, 4, 4])).square().sum().backward());
  const gradBefore = T.tidy(() => weight.grad!.toArray());
  assert.ok(gradBefore.every((g) => g !== 0), 'every conv weight gets a gradient before masking');
  const biasGrad = T.tidy(() => model.stateDict()['body.0.bias'].grad!.toArray());
  masks.maskGradients(model);
  const gradAfter = T.tidy(() => weight.grad!.toArray());
  gradBefore.forEach((g, i) => assert.equal(gradAfter[i], conv.values[i] === 0 ? 0 : g));
  assert.deepEqual(T.tidy(() => model.stateDict()['body.0.bias'].grad!.toArray()), biasGrad);
  masks.dispose();
  model.dispose();
});

test('checkFits (and every operation that uses it) names a foreign or misshapen mask', () => {
  const model = new Small();
  const foreign = new MaskSet([['head.weight', T.ones([5, 48])]]);
  const misshapen = new MaskSet([['body.4.weight', T.ones([48, 5])]]);
  for (const action of ['checkFits', 'applyTo', 'zeroPruned', 'maskGradients'] as const) {
    assert.throws(() => foreign[action](model), /mask 'head.weight' names no parameter of Small \(a mask for another architecture\?\)/, action);
    assert.throws(() => misshapen[action](model), /mask 'body.4.weight' has shape \[48,5\] but the parameter has \[5,48\]/, action);
  }
  const resnet = createModel('resnet20', { inputShape: [3, 8, 8] });
  const resnetMasks = MaskSet.ones(resnet);
  assert.throws(() => resnetMasks.checkFits(model), /mask 'conv.weight' names no parameter of Small/);
  resnetMasks.checkFits(resnet);
  for (const item of [foreign, misshapen, resnetMasks, resnet, model]) item.dispose();
});

test('clone is independent of the original', () => {
  const masks = new MaskSet([['w', T.ones([4])]]);
  const copy = masks.clone();
  T.noGrad(() => copy.get('w').zero_());
  assert.deepEqual(masks.get('w').toArray(), [1, 1, 1, 1]);
  assert.equal(copy.density(), 0);
  masks.dispose();
  copy.dispose();
});

test('save/load (safetensors) round-trips scaled values and metadata', () => {
  const directory = tmp();
  const conv = patternMask([3, 2, 3, 3], 4, 3.25);
  const linear = patternMask([5, 48], 6);
  const masks = new MaskSet([['body.0.weight', conv.mask], ['body.4.weight', linear.mask]]);
  const file = path.join(directory, 'masks.safetensors');
  masks.save(file, { method: 'sketch', density: '0.2' });
  const { masks: loaded, metadata } = MaskSet.load(file);
  assert.deepEqual(metadata, { method: 'sketch', density: '0.2' });
  assert.deepEqual(loaded.names.sort(), masks.names.sort());
  assert.deepEqual(loaded.get('body.0.weight').toArray(), conv.values);
  assert.deepEqual(loaded.get('body.0.weight').shape, [3, 2, 3, 3]);
  assert.deepEqual(loaded.get('body.4.weight').toArray(), linear.values);
  for (const item of [masks, loaded]) item.dispose();
  fs.rmSync(directory, { recursive: true, force: true });
});

test('0/1 masks are stored as bool (safetensors BOOL, torch.bool in .pt) and load back as 0/1 floats', () => {
  const directory = tmp();
  const linear = patternMask([5, 48], 6);
  const masks = new MaskSet([['body.4.weight', linear.mask]]);
  const file = path.join(directory, 'masks.safetensors');
  masks.save(file);
  const bytes = fs.readFileSync(file);
  const header = JSON.parse(bytes.subarray(8, 8 + Number(bytes.readBigUInt64LE(0))).toString('utf8'));
  assert.equal(header['body.4.weight'].dtype, 'BOOL');
  assert.equal(bytes.length, 8 + Number(bytes.readBigUInt64LE(0)) + 5 * 48); // one byte per weight
  const { masks: loaded } = MaskSet.load(file);
  assert.equal(loaded.get('body.4.weight').dtype, 'float32');
  assert.deepEqual(loaded.get('body.4.weight').toArray(), linear.values);
  for (const item of [masks, loaded]) item.dispose();
  fs.rmSync(directory, { recursive: true, force: true });
});

// Both files in one Python run (starting torch costs a second).
test('savePt is read by PyTorch: scaled values as torch.float32, 0/1 masks as torch.bool',
  { skip: hasPyTorch() ? false : noPyTorch }, () => {
  const directory = tmp();
  const scaled = new MaskSet([
    ['body.0.weight', patternMask([3, 2, 3, 3], 4, 3.25).mask], ['body.4.weight', patternMask([5, 48], 6).mask],
  ]);
  const binary = new MaskSet([['body.4.weight', patternMask([5, 48], 6).mask]]);
  const files = [path.join(directory, 'scaled.pt'), path.join(directory, 'binary.pt')];
  scaled.savePt(files[0]);
  binary.savePt(files[1]);
  type Summary = Record<string, { shape: number[]; dtype: string; sum: number; nonzero: number }>;
  const [scaledSummary, binarySummary] = runReferenceJson<Summary[]>('read-masks.py', files);
  assert.deepEqual(scaledSummary, {
    'body.0.weight': { shape: [3, 2, 3, 3], dtype: 'torch.float32', sum: 14 * 3.25, nonzero: 14 },
    'body.4.weight': { shape: [5, 48], dtype: 'torch.float32', sum: 40, nonzero: 40 },
  });
  assert.deepEqual(binarySummary, { 'body.4.weight': { shape: [5, 48], dtype: 'torch.bool', sum: 40, nonzero: 40 } });
  for (const item of [scaled, binary]) item.dispose();
  fs.rmSync(directory, { recursive: true, force: true });
});

test('mask operations run in constant memory (no tensors left behind)', () => {
  const model = new Small();
  const masks = MaskSet.ones(model);
  T.tidy(() => model.forward(T.randn([2, 2, 4, 4])).sum().backward());
  masks.zeroPruned(model); // the first call makes the cached pruned-entry masks, which later calls reuse
  const before = T.memoryStats().tensors;
  for (let i = 0; i < 5; i++) {
    masks.applyTo(model);
    masks.zeroPruned(model);
    masks.maskGradients(model);
    masks.layerDensities();
    masks.isBinary();
  }
  assert.equal(T.memoryStats().tensors, before);
  masks.dispose();
  model.dispose();
});
