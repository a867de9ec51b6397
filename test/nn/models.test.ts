// The model registry: parameter counts against closed forms, published numbers and PyTorch builds of the same
// architectures; output shapes; names; masks; initialisation; eval determinism; errors.
import test, { describe, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as T from '../../src/torch/index.js';
import {
  BasicBlock, CifarResNet, ResNet, createModel, listModels, MaskSet, type Classifier, type ImageShape, type ModelOptions,
} from '../../src/nn/index.js';
import { hasPyTorch, runReferenceJson } from '../helpers/pytorch.js';

// ---------------------------------------------------------------------------------------------------------
// Closed-form parameter counts, written from the papers' descriptions (not from the implementation).
const convParams = (inC: number, outC: number, kernel: number, bias: boolean) => inC * outC * kernel * kernel + (bias ? outC : 0);
const bnParams = (channels: number) => 2 * channels;
const linearParams = (inF: number, outF: number) => inF * outF + outF;

function fcCount([c, h, w]: ImageShape, classes: number, widths: number[]): number {
  const sizes = [c * h * w, ...widths, classes];
  let total = 0;
  for (let i = 0; i + 1 < sizes.length; i++) total += linearParams(sizes[i], sizes[i + 1]);
  return total;
}

/** Conv-k: pairs 64/128/256 of same-padded 3×3 convs with bias, a 2×2 pool per pair, FC 256-256-classes. */
function convNetCount([c, h, w]: ImageShape, classes: number, layers: number): number {
  const widths = [64, 64, 128, 128, 256, 256].slice(0, layers);
  let total = 0;
  let channels = c;
  for (const width of widths) { total += convParams(channels, width, 3, true); channels = width; }
  const pools = layers / 2;
  const flat = channels * Math.floor(h / 2 ** pools) * Math.floor(w / 2 ** pools);
  return total + linearParams(flat, 256) + linearParams(256, 256) + linearParams(256, classes);
}

/** VGG-D (configurations A, B, D, E of Simonyan & Zisserman) with BN, conv bias, one linear 512→classes. */
function vggCount([c]: ImageShape, classes: number, depth: 11 | 13 | 16 | 19): number {
  const convsPerGroup = { 11: [1, 1, 2, 2, 2], 13: [2, 2, 2, 2, 2], 16: [2, 2, 3, 3, 3], 19: [2, 2, 4, 4, 4] }[depth];
  const groupWidths = [64, 128, 256, 512, 512];
  let total = 0;
  let channels = c;
  convsPerGroup.forEach((count, group) => {
    for (let i = 0; i < count; i++) {
      total += convParams(channels, groupWidths[group], 3, true) + bnParams(groupWidths[group]);
      channels = groupWidths[group];
    }
  });
  return total + linearParams(512, classes);
}

/** CIFAR ResNet-D with first-stage width W: stem, 3 stages of (D−2)/6 blocks, option-B projections. */
function cifarResNetCount([c]: ImageShape, classes: number, depth: number, width: number): number {
  const n = (depth - 2) / 6;
  let total = convParams(c, width, 3, false) + bnParams(width);
  for (let stage = 0; stage < 3; stage++) {
    const out = width * 2 ** stage;
    const inFirst = stage === 0 ? width : out / 2;
    total += convParams(inFirst, out, 3, false) + convParams(out, out, 3, false) + 2 * bnParams(out);
    if (inFirst !== out) total += convParams(inFirst, out, 1, false) + bnParams(out);
    total += (n - 1) * (2 * convParams(out, out, 3, false) + 2 * bnParams(out));
  }
  return total + linearParams(4 * width, classes);
}

/** ResNet-18 with a 3×3 stem and channel multiplier k: 4 stages × 2 basic blocks, 64k·2^s channels. */
function resnet18Count([c]: ImageShape, classes: number, k: number): number {
  const base = 64 * k;
  let total = convParams(c, base, 3, false) + bnParams(base);
  for (let stage = 0; stage < 4; stage++) {
    const out = base * 2 ** stage;
    const inFirst = stage === 0 ? base : out / 2;
    total += convParams(inFirst, out, 3, false) + convParams(out, out, 3, false) + 2 * bnParams(out);
    if (inFirst !== out) total += convParams(inFirst, out, 1, false) + bnParams(out);
    total += 2 * convParams(out, out, 3, false) + 2 * bnParams(out);
  }
  return total + linearParams(8 * base, classes);
}

const mnist: ImageShape = [1, 28, 28];
const cifar: ImageShape = [3, 32, 32];
const tiny: ImageShape = [3, 64, 64];

interface Case { key: string; name: string; options?: ModelOptions; expected: number; shape: ImageShape; classes: number }
const cases: Case[] = [
  { key: 'fc', name: 'fc', expected: fcCount(mnist, 10, [300, 100]), shape: mnist, classes: 10 },
  { key: 'fc-custom', name: 'fc', options: { inputShape: [3, 8, 8], numClasses: 7, widths: [500, 200, 50] },
    expected: fcCount([3, 8, 8], 7, [500, 200, 50]), shape: [3, 8, 8], classes: 7 },
  { key: 'fc-linear', name: 'fc', options: { widths: [] }, expected: fcCount(mnist, 10, []), shape: mnist, classes: 10 },
  { key: 'lenet300', name: 'lenet300', expected: fcCount(mnist, 10, [300, 100]), shape: mnist, classes: 10 },
  { key: 'conv2', name: 'conv2', expected: convNetCount(cifar, 10, 2), shape: cifar, classes: 10 },
  { key: 'conv4', name: 'conv4', expected: convNetCount(cifar, 10, 4), shape: cifar, classes: 10 },
  { key: 'conv6', name: 'conv6', expected: convNetCount(cifar, 10, 6), shape: cifar, classes: 10 },
  { key: 'conv6-mnist', name: 'conv6', options: { inputShape: mnist }, expected: convNetCount(mnist, 10, 6), shape: mnist, classes: 10 },
  { key: 'vgg11', name: 'vgg11', expected: vggCount(cifar, 10, 11), shape: cifar, classes: 10 },
  { key: 'vgg13', name: 'vgg13', expected: vggCount(cifar, 10, 13), shape: cifar, classes: 10 },
  { key: 'vgg16', name: 'vgg16', expected: vggCount(cifar, 10, 16), shape: cifar, classes: 10 },
  { key: 'vgg19', name: 'vgg19', expected: vggCount(cifar, 10, 19), shape: cifar, classes: 10 },
  { key: 'vgg11-tiny', name: 'vgg11', options: { inputShape: tiny, numClasses: 200 }, expected: vggCount(tiny, 200, 11), shape: tiny, classes: 200 },
  { key: 'vgg11-mnist', name: 'vgg11', options: { inputShape: mnist }, expected: vggCount(mnist, 10, 11), shape: mnist, classes: 10 },
  { key: 'resnet20', name: 'resnet20', expected: cifarResNetCount(cifar, 10, 20, 16), shape: cifar, classes: 10 },
  { key: 'resnet32', name: 'resnet32', expected: cifarResNetCount(cifar, 10, 32, 16), shape: cifar, classes: 10 },
  { key: 'resnet44', name: 'resnet44', expected: cifarResNetCount(cifar, 10, 44, 16), shape: cifar, classes: 10 },
  { key: 'resnet56', name: 'resnet56', expected: cifarResNetCount(cifar, 10, 56, 16), shape: cifar, classes: 10 },
  { key: 'resnet20-c100', name: 'resnet20', options: { numClasses: 100 }, expected: cifarResNetCount(cifar, 100, 20, 16), shape: cifar, classes: 100 },
  { key: 'resnet56-mnist', name: 'resnet56', options: { inputShape: mnist }, expected: cifarResNetCount(mnist, 10, 56, 16), shape: mnist, classes: 10 },
  { key: 'wrn20', name: 'wrn20', expected: cifarResNetCount(cifar, 10, 20, 32), shape: cifar, classes: 10 },
  { key: 'wrn20-32', name: 'wrn20-32', expected: cifarResNetCount(cifar, 10, 20, 32), shape: cifar, classes: 10 },
  { key: 'wrn20-2', name: 'wrn20-2', expected: cifarResNetCount(cifar, 10, 20, 2), shape: cifar, classes: 10 },
  { key: 'wrn20-16', name: 'wrn20-16', expected: cifarResNetCount(cifar, 10, 20, 16), shape: cifar, classes: 10 },
  { key: 'resnet18', name: 'resnet18', expected: resnet18Count(tiny, 200, 1), shape: tiny, classes: 200 },
  { key: 'wrn18', name: 'wrn18', expected: resnet18Count(tiny, 200, 2), shape: tiny, classes: 200 },
  // wrn18-1 is ResNet-18; here in its CIFAR-10 configuration, whose count is widely published.
  { key: 'wrn18-1', name: 'wrn18-1', options: { inputShape: cifar, numClasses: 10 }, expected: resnet18Count(cifar, 10, 1), shape: cifar, classes: 10 },
];

interface Summary {
  params: number; inputShape: ImageShape; numClasses: number;
  parameters: [string, number[]][]; buffers: [string, number[]][]; masks: string[];
  /** Conv2d/Linear weights found by shape (rank 2 or 4, named *.weight), independently of MaskSet. */
  weightNames: string[];
}

/** Builds every case once, records what the tests need, frees the tensors (big models cost memory). */
const summaries = new Map<string, Summary>();
function summarise(): void {
  for (const item of cases) {
    const model = createModel(item.name, item.options);
    const masks = MaskSet.ones(model);
    const parameters = model.namedParameters().map(([name, p]) => [name, p.shape] as [string, number[]]);
    summaries.set(item.key, {
      params: model.parameterCount(), inputShape: model.inputShape, numClasses: model.numClasses, parameters,
      buffers: model.namedBuffers().map(([name, b]) => [name, b.shape]),
      masks: masks.names,
      weightNames: parameters.filter(([name, shape]) => name.endsWith('weight') && (shape.length === 2 || shape.length === 4)).map(([name]) => name),
    });
    masks.dispose();
    model.dispose();
  }
}
const summary = (key: string): Summary => {
  if (summaries.size === 0) summarise();
  return summaries.get(key)!;
};

describe('parameter counts', () => {
  for (const item of cases) {
    test(`${item.key}: ${item.expected.toLocaleString('en')} parameters (closed form)`, () => {
      const s = summary(item.key);
      assert.equal(s.params, item.expected);
      assert.deepEqual(s.inputShape, item.shape);
      assert.equal(s.numClasses, item.classes);
    });
  }

  test('published numbers: LeNet-300-100 266,610; Conv-2/4 ≈ 4.3M/2.4M (Frankle & Carbin); ResNet-20 ≈ 0.27M; '
    + 'ResNet-56 ≈ 0.85M (He et al.); ResNet-18 on CIFAR-10 with a 3×3 stem 11,173,962', () => {
    assert.equal(summary('lenet300').params, 266_610);
    assert.equal(Math.round(summary('conv2').params / 1e5) / 10, 4.3);
    assert.equal(Math.round(summary('conv4').params / 1e5) / 10, 2.4);
    assert.equal(summary('resnet20').params, 272_474);
    assert.equal(Math.round(summary('resnet56').params / 1e4) / 100, 0.86);
    // The closed form reproduces the well-known CIFAR-10 count, and the model matches the closed form.
    assert.equal(resnet18Count(cifar, 10, 1), 11_173_962);
    assert.equal(summary('wrn18-1').params, 11_173_962);
    // Tiny-ImageNet ResNet-18: ~11.2M with a 200-way classifier.
    assert.ok(Math.abs(summary('resnet18').params - 11.27e6) < 0.01e6);
  });

  test('WRN-18 is really wider than ResNet-18: channels ×2 gives ≈4× the conv parameters', () => {
    const resnet = summary('resnet18').params;
    const wide = summary('wrn18').params;
    assert.ok(wide > resnet, `${wide} > ${resnet}`);
    assert.ok(wide / resnet > 3.9 && wide / resnet < 4.05, `ratio ${wide / resnet}`);
    assert.deepEqual(summary('wrn18-1').parameters.slice(0, -2), summary('resnet18').parameters.slice(0, -2));
    const conv1 = (key: string) => summary(key).parameters.find(([name]) => name === 'layer4.1.conv2.weight')![1];
    assert.deepEqual(conv1('resnet18'), [512, 512, 3, 3]);
    assert.deepEqual(conv1('wrn18'), [1024, 1024, 3, 3]);
  });

  test('wrn20-16 is ResNet-20; wrn20 defaults to the paper\'s WideResNet-20-32 (32/64/128 channels)', () => {
    assert.deepEqual(summary('wrn20-16').parameters, summary('resnet20').parameters);
    assert.deepEqual(summary('wrn20').parameters, summary('wrn20-32').parameters);
    assert.deepEqual(summary('wrn20-32').parameters.find(([name]) => name === 'fc.weight')![1], [10, 128]);
  });
});

describe('names, buffers and masks', () => {
  test('ResNet-20 follows OpenLTH names: conv, bn, blocks.i.{conv1,bn1,conv2,bn2}, shortcut only in blocks 3 and 6', () => {
    const names = summary('resnet20').parameters.map(([name]) => name);
    assert.deepEqual(names.slice(0, 3), ['conv.weight', 'bn.weight', 'bn.bias']);
    assert.deepEqual(names.slice(3, 9), ['blocks.0.conv1.weight', 'blocks.0.bn1.weight', 'blocks.0.bn1.bias',
      'blocks.0.conv2.weight', 'blocks.0.bn2.weight', 'blocks.0.bn2.bias']);
    const shortcuts = names.filter((name) => name.includes('shortcut'));
    assert.deepEqual(shortcuts, ['blocks.3.shortcut.0.weight', 'blocks.3.shortcut.1.weight', 'blocks.3.shortcut.1.bias',
      'blocks.6.shortcut.0.weight', 'blocks.6.shortcut.1.weight', 'blocks.6.shortcut.1.bias']);
    assert.deepEqual(names.slice(-2), ['fc.weight', 'fc.bias']);
    assert.ok(!names.some((name) => name.startsWith('blocks.9')));
    const buffers = summary('resnet20').buffers.map(([name]) => name);
    assert.deepEqual(buffers.slice(0, 3), ['bn.running_mean', 'bn.running_var', 'bn.num_batches_tracked']);
    assert.equal(buffers.length, 3 * (1 + 9 * 2 + 2));
  });

  test('both ResNet families build the one BasicBlock; only the shortcut module\'s name differs', () => {
    const cifar = createModel('resnet20', { numClasses: 10 }) as CifarResNet;
    const imagenet = createModel('resnet18', { inputShape: [3, 16, 16], numClasses: 10 }) as ResNet;
    try {
      const cifarBlocks = cifar.blocks.children().map(([, block]) => block);
      const imagenetBlocks = imagenet.stages.flatMap((stage) => stage.children().map(([, block]) => block));
      assert.equal(cifarBlocks.length, 9);
      assert.equal(imagenetBlocks.length, 8);
      for (const block of [...cifarBlocks, ...imagenetBlocks]) assert.ok(block instanceof BasicBlock);
      const projected = (blocks: unknown[]) => (blocks as BasicBlock[]).map((block) => block.shortcut !== null);
      assert.deepEqual(projected(cifarBlocks), [false, false, false, true, false, false, true, false, false]);
      assert.deepEqual(projected(imagenetBlocks), [false, false, true, false, true, false, true, false]);
      assert.deepEqual(new Set((cifarBlocks as BasicBlock[]).map((block) => block.shortcutName)), new Set(['shortcut']));
      assert.deepEqual(new Set((imagenetBlocks as BasicBlock[]).map((block) => block.shortcutName)), new Set(['downsample']));
    } finally {
      cifar.dispose();
      imagenet.dispose();
    }
  });

  test('VGG-16 follows OpenLTH (layers.i.conv/bn with pools counted in i, fc); ResNet-18 follows torchvision', () => {
    const vgg = summary('vgg16').parameters.map(([name]) => name);
    assert.deepEqual(vgg.slice(0, 6), ['layers.0.conv.weight', 'layers.0.conv.bias', 'layers.0.bn.weight', 'layers.0.bn.bias',
      'layers.1.conv.weight', 'layers.1.conv.bias']);
    assert.ok(vgg.includes('layers.3.conv.weight') && !vgg.includes('layers.2.conv.weight'));
    assert.deepEqual(vgg.slice(-2), ['fc.weight', 'fc.bias']);
    const resnet = summary('resnet18').parameters.map(([name]) => name);
    assert.deepEqual(resnet.slice(0, 4), ['conv1.weight', 'bn1.weight', 'bn1.bias', 'layer1.0.conv1.weight']);
    assert.ok(resnet.includes('layer2.0.downsample.0.weight') && resnet.includes('layer4.0.downsample.1.bias'));
    assert.ok(!resnet.some((name) => name.startsWith('layer1.0.downsample') || name.startsWith('layer2.1.downsample')));
    const fc = summary('lenet300').parameters.map(([name, shape]) => `${name}:${shape}`);
    assert.deepEqual(fc, ['fc_layers.0.weight:300,784', 'fc_layers.0.bias:300', 'fc_layers.1.weight:100,300',
      'fc_layers.1.bias:100', 'fc.weight:10,100', 'fc.bias:10']);
    const conv = summary('conv2').parameters.map(([name]) => name);
    assert.deepEqual(conv, ['features.0.weight', 'features.0.bias', 'features.2.weight', 'features.2.bias',
      'classifier.0.weight', 'classifier.0.bias', 'classifier.2.weight', 'classifier.2.bias', 'classifier.4.weight', 'classifier.4.bias']);
  });

  test('MaskSet.ones lists exactly the conv and linear weights of every model', () => {
    for (const item of cases) {
      const s = summary(item.key);
      assert.deepEqual(s.masks, s.weightNames, item.key);
    }
    // Independent counts: stem + 2 per block + projections + fc.
    assert.equal(summary('resnet20').masks.length, 1 + 18 + 2 + 1);
    assert.equal(summary('resnet56').masks.length, 1 + 54 + 2 + 1);
    assert.equal(summary('resnet18').masks.length, 1 + 16 + 3 + 1);
    assert.equal(summary('vgg16').masks.length, 13 + 1);
    assert.equal(summary('vgg19').masks.length, 16 + 1);
    assert.equal(summary('conv6').masks.length, 6 + 3);
    assert.equal(summary('lenet300').masks.length, 3);
  });
});

describe('PyTorch cross-check (python/models.py, the twins)', { skip: hasPyTorch() ? false : '/usr/bin/python3 has no torch' }, () => {
  interface Reference {
    structure: Record<string, { params: number; parameters: [string, number[]][]; buffers: [string, number[]][] }>;
    forward: Record<string, { eval: number[]; train: number[]; grads: Record<string, number[]> }>;
  }
  const forwardCases: { key: string; name: string; options?: ModelOptions }[] = [
    { key: 'lenet300', name: 'lenet300' },
    { key: 'fc-custom', name: 'fc', options: { inputShape: [3, 8, 8], numClasses: 7, widths: [50, 20] } },
    { key: 'conv4', name: 'conv4', options: { inputShape: [3, 16, 16] } },
    { key: 'vgg11', name: 'vgg11' },
    { key: 'resnet20', name: 'resnet20' },
    { key: 'wrn20-4', name: 'wrn20-4', options: { inputShape: [1, 16, 16], numClasses: 5 } },
    { key: 'resnet18', name: 'resnet18', options: { inputShape: [3, 16, 16], numClasses: 10 } },
  ];
  let reference: Reference;
  const ours = new Map<string, { eval: number[]; train: number[]; grads: Record<string, number[]> }>();
  // Up to 64 evenly spaced elements of a parameter's gradient (models.py samples the same ones).
  const sampled = (values: ArrayLike<number>): number[] => {
    const count = Math.min(values.length, 64);
    const stride = Math.floor(values.length / count);
    return Array.from({ length: count }, (_, k) => values[k * stride]);
  };
  let directory: string;

  before(() => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'sketchprune-models-'));
    T.manualSeed(7);
    const forward = forwardCases.map((item) => {
      const model = createModel(item.name, item.options);
      // Random BN statistics, affine terms and biases, so eval mode really tests running statistics.
      T.noGrad(() => {
        for (const [name, tensor] of Object.entries(model.stateDict())) {
          if (name.endsWith('running_var')) tensor.uniform_(0.5, 2);
          else if (tensor.ndim === 1 && T.isFloating(tensor.dtype)) tensor.normal_(0, 0.5);
        }
      });
      const input = T.randn([4, ...model.inputShape]);
      const gradOutput = T.randn([4, model.numClasses]);
      const weights = path.join(directory, `${item.key}.pt`);
      T.savePt(weights, { ...model.stateDict(), __input__: input, __grad_output__: gradOutput });
      const outputs = T.tidy(() => T.noGrad(() => {
        const evaluated = model.eval().forward(input).toArray();
        const trained = model.train().forward(input).toArray();
        return { eval: evaluated, train: trained };
      }));
      // Backward through a train-mode pass: checks the forward code's in-place ReLUs and early frees.
      T.tidy(() => model.train().forward(input).backward(gradOutput));
      const grads = Object.fromEntries(model.namedParameters().map(([name, parameter]) =>
        [name, T.tidy(() => sampled(parameter.grad!.flatten().toArray()))]));
      ours.set(item.key, { ...outputs, grads });
      input.dispose();
      gradOutput.dispose();
      model.dispose();
      return { key: item.key, model: item.name, inputShape: [...model.inputShape], numClasses: model.numClasses,
        widths: item.options?.widths, weights };
    });
    const structure = cases.map((item) => ({
      key: item.key, model: item.name, inputShape: summary(item.key).inputShape, numClasses: summary(item.key).numClasses,
      widths: item.options?.widths,
    }));
    const request = path.join(directory, 'request.json');
    fs.writeFileSync(request, JSON.stringify({ structure, forward }));
    reference = runReferenceJson<Reference>('python/models.py', [request]);
    fs.rmSync(directory, { recursive: true, force: true });
  });

  test('same parameter names, shapes and order, same buffers, same counts as the PyTorch builds', () => {
    for (const item of cases) {
      const expected = reference.structure[item.key];
      const s = summary(item.key);
      assert.equal(s.params, expected.params, item.key);
      assert.deepEqual(s.parameters, expected.parameters, item.key);
      assert.deepEqual(s.buffers, expected.buffers, item.key);
    }
  });

  test('same outputs as PyTorch for the same weights and batch, in eval and in train mode; same gradients', () => {
    for (const { key } of forwardCases) {
      const expected = reference.forward[key];
      const actual = ours.get(key)!;
      for (const mode of ['eval', 'train'] as const) {
        assert.equal(actual[mode].length, expected[mode].length, `${key} ${mode}`);
        const scale = Math.max(1, ...expected[mode].map(Math.abs));
        const error = Math.max(...actual[mode].map((value, i) => Math.abs(value - expected[mode][i])));
        assert.ok(error <= 1e-4 * scale, `${key} ${mode}: max |Δ| ${error} (scale ${scale})`);
        const spread = Math.max(...expected[mode]) - Math.min(...expected[mode]);
        assert.ok(spread > 1e-3, `${key} ${mode}: outputs are not constant`);
      }
      // One scale per model: a conv bias before batch norm has a zero gradient up to rounding.
      const scale = Math.max(...Object.values(expected.grads).flat().map(Math.abs));
      assert.ok(scale > 1e-3, `${key}: gradients are not all zero`);
      for (const [name, values] of Object.entries(expected.grads)) {
        const error = Math.max(...actual.grads[name].map((value, i) => Math.abs(value - values[i])));
        assert.ok(error <= 1e-4 * scale, `${key} ∂/∂${name}: max |Δ| ${error} (scale ${scale})`);
      }
      assert.deepEqual(Object.keys(actual.grads), Object.keys(expected.grads), `${key}: parameters with gradients`);
      // Batch norm makes train and eval differ; models without it (and without dropout) give the same output.
      const differs = actual.eval.some((value, i) => Math.abs(value - actual.train[i]) > 1e-3);
      const hasBatchNorm = !/^(fc|lenet|conv)/.test(key);
      assert.equal(differs, hasBatchNorm, `${key}: eval and train outputs ${differs ? 'differ' : 'agree'}`);
    }
  });
});

describe('forward passes', () => {
  const shapes: { name: string; options: ModelOptions; batch: number }[] = [
    { name: 'fc', options: { inputShape: [2, 5, 7], numClasses: 3, widths: [] }, batch: 3 },
    { name: 'lenet300', options: { inputShape: [3, 32, 32], numClasses: 100 }, batch: 2 },
    { name: 'conv6', options: { inputShape: [3, 48, 40], numClasses: 5 }, batch: 2 },
    { name: 'conv2', options: { inputShape: [1, 28, 28], numClasses: 10 }, batch: 1 },
    { name: 'vgg11', options: { inputShape: [3, 64, 64], numClasses: 200 }, batch: 2 },
    { name: 'vgg13', options: { inputShape: [1, 28, 28], numClasses: 10 }, batch: 2 },
    { name: 'resnet20', options: { inputShape: [1, 28, 28], numClasses: 100 }, batch: 3 },
    { name: 'wrn20-4', options: { inputShape: [3, 17, 23], numClasses: 7 }, batch: 2 },
    { name: 'resnet18', options: { inputShape: [3, 32, 32], numClasses: 10 }, batch: 2 },
    { name: 'wrn18', options: { inputShape: [3, 8, 8], numClasses: 200 }, batch: 1 },
  ];
  for (const { name, options, batch } of shapes) {
    test(`${name} on [${batch}, ${options.inputShape}] gives [${batch}, ${options.numClasses}]`, () => {
      const model = createModel(name, options);
      try {
        const shape = T.tidy(() => T.noGrad(() => model.forward(T.randn([batch, ...options.inputShape!])).shape));
        assert.deepEqual(shape, [batch, options.numClasses]);
      } finally { model.dispose(); }
    });
  }

  test('fc also takes flattened input and gives the same logits', () => {
    const model = createModel('lenet300');
    T.tidy(() => T.noGrad(() => {
      const input = T.randn([3, 1, 28, 28]);
      const a = model.forward(input).toArray();
      const b = model.forward(input.flatten(1)).toArray();
      assert.deepEqual(a, b);
    }));
    model.dispose();
  });

  test('a batch of the wrong shape fails with a message naming both shapes', () => {
    const model = createModel('resnet20');
    T.tidy(() => {
      assert.throws(() => model.forward(T.randn([2, 3, 28, 28])), /CifarResNet expects a batch of shape \[N, 3, 32, 32\], got \[2, 3, 28, 28\]/);
      assert.throws(() => model.forward(T.randn([3, 32, 32])), /got \[3, 32, 32\]/);
    });
    model.dispose();
  });

  test('forward + backward: cross-entropy gradients reach every parameter; ∂L/∂fc.bias = mean(softmax − onehot)', () => {
    T.manualSeed(3);
    const model = createModel('resnet20', { inputShape: [3, 12, 12], numClasses: 10 });
    T.tidy(() => {
      const input = T.randn([4, 3, 12, 12]);
      const labels = T.tensor(new BigInt64Array([0n, 3n, 3n, 9n]), [4]);
      const logits = model.forward(input);
      const loss = T.F.crossEntropy(logits, labels);
      loss.backward();
      for (const [name, parameter] of model.namedParameters()) {
        const grad = parameter.grad;
        assert.ok(grad, `${name} has a gradient`);
        assert.deepEqual(grad.shape, parameter.shape);
        assert.equal(grad.isfinite().all().item(), 1, `${name} gradient is finite`);
        assert.ok(grad.abs().sum().item() > 0, `${name} gradient is not zero`);
      }
      // Closed form for the output bias, from the logits the model produced.
      const probabilities = T.F.softmax(logits.detach(), 1).toArray();
      const expected = new Array(10).fill(0);
      const labelValues = [0, 3, 3, 9];
      for (let row = 0; row < 4; row++) {
        for (let k = 0; k < 10; k++) expected[k] += (probabilities[row * 10 + k] - (labelValues[row] === k ? 1 : 0)) / 4;
      }
      const actual = model.stateDict()['fc.bias'].grad!.toArray();
      actual.forEach((value, k) => assert.ok(Math.abs(value - expected[k]) < 1e-6, `fc.bias grad[${k}] ${value} vs ${expected[k]}`));
    });
    model.dispose();
  });

  test('eval mode is deterministic and leaves batch-norm statistics alone; train mode updates them', () => {
    const model = createModel('resnet20', { inputShape: [3, 8, 8] });
    T.tidy(() => T.noGrad(() => {
      const input = T.randn([2, 3, 8, 8]);
      const statsBefore = model.stateDict()['blocks.4.bn2.running_mean'].toArray();
      model.eval();
      const first = model.forward(input).toArray();
      const second = model.forward(input).toArray();
      assert.deepEqual(first, second);
      assert.deepEqual(model.stateDict()['blocks.4.bn2.running_mean'].toArray(), statsBefore);
      assert.equal(model.stateDict()['bn.num_batches_tracked'].item(), 0);
      model.train();
      model.forward(input);
      assert.equal(model.stateDict()['bn.num_batches_tracked'].item(), 1);
      assert.notDeepEqual(model.stateDict()['blocks.4.bn2.running_mean'].toArray(), statsBefore);
    }));
    model.dispose();
  });
});

describe('initialisation', () => {
  // Sample std of n normal draws has relative standard error ≈ 1/√(2n); sample kurtosis has SE ≈ √(24/n).
  const layers: { name: string; options?: ModelOptions; parameter: string; fanIn: number }[] = [
    { name: 'resnet18', options: { inputShape: [3, 8, 8], numClasses: 10 }, parameter: 'layer4.1.conv2.weight', fanIn: 512 * 9 },
    { name: 'conv2', parameter: 'classifier.0.weight', fanIn: 64 * 16 * 16 },
    { name: 'lenet300', parameter: 'fc_layers.0.weight', fanIn: 784 },
  ];
  for (const { name, options, parameter, fanIn } of layers) {
    test(`${name} ${parameter}: Kaiming normal, std ≈ √(2/${fanIn}), mean ≈ 0, kurtosis ≈ 3`, () => {
      const model = createModel(name, options);
      T.tidy(() => {
        const weight = model.stateDict()[parameter].double();
        const n = weight.numel;
        const expected = Math.sqrt(2 / fanIn);
        const mean = weight.mean().item();
        const std = weight.sub(mean).square().mean().sqrt().item();
        const kurtosis = weight.sub(mean).pow(4).mean().item() / std ** 4;
        const relativeSe = 1 / Math.sqrt(2 * n);
        assert.ok(Math.abs(std / expected - 1) < 6 * relativeSe + 1e-3, `std ${std} vs ${expected} (n=${n})`);
        assert.ok(Math.abs(mean) < 6 * expected / Math.sqrt(n), `mean ${mean}`);
        // A uniform init has kurtosis 1.8; the normal has 3.
        assert.ok(Math.abs(kurtosis - 3) < 6 * Math.sqrt(24 / n) + 0.01, `kurtosis ${kurtosis}`);
      });
      model.dispose();
    });
  }

  test('biases start at zero, batch norm at γ=1 β=0 with running mean 0 and variance 1', () => {
    const model = createModel('vgg11');
    T.tidy(() => {
      for (const [name, tensor] of Object.entries(model.stateDict())) {
        const values = tensor.toArray();
        if (/\.bn\.(bias|running_mean)$/.test(name) || /conv\.bias$|fc\.bias$/.test(name)) {
          assert.ok(values.every((v) => v === 0), `${name} is zero`);
        } else if (/\.bn\.(weight|running_var)$/.test(name)) {
          assert.ok(values.every((v) => v === 1), `${name} is one`);
        }
      }
    });
    model.dispose();
  });

  test('the global seed makes initialisation reproducible', () => {
    T.manualSeed(11);
    const a = createModel('conv2', { inputShape: [3, 8, 8] });
    T.manualSeed(11);
    const b = createModel('conv2', { inputShape: [3, 8, 8] });
    const c = createModel('conv2', { inputShape: [3, 8, 8] });
    T.tidy(() => {
      const weights = (model: Classifier) => model.stateDict()['features.2.weight'].toArray();
      assert.deepEqual(weights(a), weights(b));
      assert.notDeepEqual(weights(a), weights(c));
    });
    for (const model of [a, b, c]) model.dispose();
  });
});

describe('registry', () => {
  test('listModels names every family with defaults, and createModel(entry.name) builds each with them', () => {
    const names = listModels().map((entry) => entry.name);
    assert.deepEqual(names, ['fc', 'lenet300', 'conv2', 'conv4', 'conv6', 'vgg11', 'vgg13', 'vgg16', 'vgg19',
      'resnet20', 'resnet32', 'resnet44', 'resnet56', 'wrn20', 'resnet18', 'wrn18']);
    for (const entry of listModels()) {
      assert.ok(entry.description.length > 20, entry.name);
      const built = cases.find((item) => item.name === entry.name && !item.options);
      assert.ok(built, `a default case covers ${entry.name}`);
      assert.deepEqual(summary(built.key).inputShape, entry.defaultInputShape);
      assert.equal(summary(built.key).numClasses, entry.defaultNumClasses);
    }
    const lenet = listModels().find((entry) => entry.name === 'lenet300')!;
    assert.deepEqual(lenet.defaultInputShape, [1, 28, 28]);
    const model = lenet.create({ numClasses: 3 });
    assert.equal(model.parameterCount(), fcCount(mnist, 3, [300, 100]));
    model.dispose();
  });

  test('unknown models, bad widths, bad options and too small inputs fail with clear errors', () => {
    assert.throws(() => createModel('resnet19'), (error: Error) =>
      /unknown model 'resnet19'; known models: fc, lenet300, .*resnet20.*wrn20-<W>.*wrn18-<k>/.test(error.message));
    assert.throws(() => createModel('wrn20-0'), /model 'wrn20-0': width '0' is not a positive integer/);
    assert.throws(() => createModel('wrn20-x'), /width 'x' is not a positive integer/);
    assert.throws(() => createModel('wrn18-1.5'), /width '1.5' is not a positive integer/);
    assert.throws(() => createModel('wrn20-8', { width: 4 }), /names width 8 but options.width is 4/);
    assert.throws(() => createModel('wrn18', { width: -2 }), /width must be a positive integer, got -2/);
    assert.throws(() => createModel('fc', { widths: [300, 0] }), /widths\[1\] must be a positive integer, got 0/);
    assert.throws(() => createModel('vgg16', { widths: [10] }), /model 'vgg16' does not take option 'widths' \(it takes: inputShape, numClasses\)/);
    assert.throws(() => createModel('lenet300', { widths: [10] }), /does not take option 'widths'/);
    assert.throws(() => createModel('vgg16', { inputShape: [3, 8, 8] }), /VGG-16 needs inputs of at least 16×16 \(4 max-pools of stride 2\); got inputShape \[3, 8, 8\]/);
    assert.throws(() => createModel('conv6', { inputShape: [3, 4, 32] }), /Conv-6 needs inputs of at least 8×8/);
    assert.throws(() => createModel('resnet20', { inputShape: [3, 2, 2] }), /ResNet-20 needs inputs of at least 4×4/);
    assert.throws(() => createModel('wrn18-2', { inputShape: [3, 4, 4] }), /WRN-18-2 needs inputs of at least 8×8/);
    assert.throws(() => createModel('resnet20', { inputShape: [3, 32] as unknown as ImageShape }), /inputShape must be \[channels, height, width\] of positive integers, got \[3,32\]/);
    assert.throws(() => createModel('resnet20', { numClasses: 0 }), /numClasses must be a positive integer, got 0/);
    assert.throws(() => createModel('resnet20', { numClasses: 2.5 }), /numClasses must be a positive integer, got 2.5/);
  });

  test('a model built for another shape keeps working after one of the above errors (no leaked state)', () => {
    const before = T.memoryStats().tensors;
    assert.throws(() => createModel('vgg16', { inputShape: [3, 8, 8] }));
    const model: Classifier = createModel('fc', { inputShape: [1, 2, 2], widths: [3] });
    assert.equal(model.parameterCount(), fcCount([1, 2, 2], 10, [3]));
    model.dispose();
    assert.equal(T.memoryStats().tensors, before);
  });
});
