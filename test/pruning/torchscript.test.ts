// A user's own PyTorch network through TorchScript: a CNN with batch norm scripted by Python (python/models.py's
// resnet20 twin, batch-norm statistics randomized), loaded by libtorch, pruned by every scorer and selection, and
// compared with the same scorer on the built-in TypeScript twin holding the same weights. The command-line round
// trip (prune --torchscript, masks applied in PyTorch by python/apply_masks.py) is test/e2e/torchscript.test.ts.
import test, { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as T from '../../src/torch/index.js';
import { MaskSet, TorchScriptModule, createModel, prunableParameters, type Module } from '../../src/nn/index.js';
import { prune, scoreModel, type PruneInputOptions } from '../../src/pruning/index.js';
import { run as pruneCli } from '../../src/cli/prune.js';
import { hasPyTorch, relativeError, runPython } from './helpers.js';

const inputShape = [3, 8, 8];

interface Reference {
  resnet: { parameters: [string, number[]][]; buffers: [string, number[]][]; input: number[]; eval: number[]; train: number[] };
}

describe('TorchScript modules (a user\'s own PyTorch network)', { skip: hasPyTorch() ? false : '/usr/bin/python3 has no torch' }, () => {
  let dir = '';
  let reference: Reference;
  let scripted: TorchScriptModule;
  let twin: Module;
  let input: T.Tensor;

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sketchprune-torchscript-'));
    reference = JSON.parse(runPython('torchscript_models.py', [dir])) as Reference;
    scripted = TorchScriptModule.load(path.join(dir, 'resnet.pt'), { inputShape });
    twin = createModel('resnet20', { inputShape: [3, 8, 8], numClasses: 10 });
    twin.loadStateDict(scripted.stateDict());
    input = T.keep(T.tensor(reference.resnet.input, [4, ...inputShape]));
  });
  after(() => {
    scripted?.dispose();
    twin?.dispose();
    input?.dispose();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('parameters and buffers under PyTorch\'s names; forward in eval and train mode equals PyTorch\'s', () => {
    assert.deepEqual(scripted.namedParameters().map(([name, tensor]) => [name, tensor.shape]), reference.resnet.parameters);
    assert.deepEqual(scripted.namedBuffers().map(([name, tensor]) => [name, tensor.shape]), reference.resnet.buffers);
    assert.equal(scripted.numClasses, 10); // found by a forward pass on zeros
    // Prunable: the weights with ≥ 2 dimensions, the same list the twin's Conv2d/Linear rule gives.
    assert.deepEqual(prunableParameters(scripted).map(([name]) => name), prunableParameters(twin).map(([name]) => name));
    assert.deepEqual(prunableParameters(scripted, { biases: true }).map(([name]) => name),
      prunableParameters(twin, { biases: true }).map(([name]) => name));
    assert.deepEqual(prunableParameters(scripted, { batchNorm: true }).map(([name]) => name),
      prunableParameters(twin, { batchNorm: true }).map(([name]) => name));
    const stats = scripted.stateDict()['bn.running_mean'];
    const before = stats.toArray();
    T.tidy(() => {
      scripted.eval();
      const evaluated = T.noGrad(() => scripted.forward(input));
      assert.ok(relativeError(evaluated, T.tensor(reference.resnet.eval, evaluated.shape)) < 1e-5);
      assert.deepEqual(stats.toArray(), before, 'eval mode leaves the running statistics alone');
      scripted.train();
      const trained = T.noGrad(() => scripted.forward(input));
      assert.ok(relativeError(trained, T.tensor(reference.resnet.train, trained.shape)) < 1e-5);
      assert.notDeepEqual(stats.toArray(), before, 'train mode updates the module\'s own running statistics');
    });
    scripted.loadStateDict(twin.stateDict()); // back to the saved statistics: the aliases write through to the module
    T.tidy(() => {
      scripted.eval();
      const evaluated = T.noGrad(() => scripted.forward(input));
      assert.ok(relativeError(evaluated, T.tensor(reference.resnet.eval, evaluated.shape)) < 1e-5);
    });
  });

  const cases: [string, PruneInputOptions | undefined][] = [
    ['synflow', undefined], ['magnitude', undefined], ['random', undefined],
    ['snip', { source: 'normal', batchSize: 8, batches: 2 }], ['grasp', { source: 'normal', batchSize: 8 }],
    ['ntk-sketch', { source: 'normal', batchSize: 2 }],
  ];
  for (const [method, input] of cases) {
    test(`${method}: scores equal the twin's (same weights, seed and input draws)`, () => {
      // a TorchScript module's SynFlow runs in float64 (its dataflow is unknown), so the twin does too
      const precision = 'float64' as const;
      const ours = scoreModel(scripted, { method, input, seed: 5, precision });
      const theirs = scoreModel(twin, { method, input, seed: 5, precision });
      try {
        assert.deepEqual([...ours.keys()], [...theirs.keys()]);
        for (const [name, score] of ours) {
          const error = relativeError(score, theirs.get(name)!);
          // float64 (synflow) agrees to rounding; float32 passes differ only in the order of the sums.
          assert.ok(error < (method === 'synflow' || method === 'magnitude' || method === 'random' ? 1e-12 : 1e-4),
            `${name}: relative error ${error}`);
        }
        assert.ok(T.tidy(() => [...ours.values()].some((score) => score.abs().sum().item() > 0)));
      } finally {
        for (const score of [...ours.values(), ...theirs.values()]) score.dispose();
      }
    });
  }

  for (const selection of ['threshold', 'sketch-random', 'sketch']) {
    test(`synflow (3 iterations), ${selection} selection: the same masks as the twin; the module is left as it was`, async () => {
      const live = T.memoryStats().tensors;
      const weights = T.tidy(() => scripted.namedParameters().map(([, tensor]) => T.keep(tensor.clone())));
      scripted.train();
      const options = { method: 'synflow', density: 0.1, iterations: 3, selection, seed: 3, precision: 'float64' } as const;
      const ours = await prune(scripted, options);
      const theirs = await prune(twin, options);
      try {
        assert.deepEqual(ours.masks.names, theirs.masks.names);
        for (const [name, mask] of ours.masks.entries()) {
          assert.deepEqual(mask.toArray(), theirs.masks.get(name).toArray(), name);
        }
        assert.equal(ours.record.kept, theirs.record.kept);
        // Algorithm 1 draws with replacement, so its kept count can be below the budget.
        if (selection === 'sketch') assert.ok(ours.record.density > 0 && ours.record.density <= 0.1 + 1e-9 && ours.record.sketchBudget! > 0);
        else assert.ok(Math.abs(ours.record.density - 0.1) < 1e-3);
        assert.equal(scripted.training, true);
        scripted.namedParameters().forEach(([name, tensor], index) => {
          assert.equal(tensor.dtype, 'float32', name);
          assert.equal(relativeError(tensor, weights[index]), 0, name);
        });
      } finally {
        ours.masks.dispose();
        theirs.masks.dispose();
        for (const weight of weights) weight.dispose();
      }
      assert.equal(T.memoryStats().tensors, live, 'pruning a TorchScript module leaves no tensors behind');
    });
  }

  test('a traced module works too; bad files and outputs give clear errors', async () => {
    const traced = TorchScriptModule.load(path.join(dir, 'conv2.pt'), { inputShape: [1, 12, 12] });
    const twinConv = createModel('conv2', { inputShape: [1, 12, 12], numClasses: 10 });
    twinConv.loadStateDict(traced.stateDict());
    const ours = scoreModel(traced, { method: 'synflow' }); // float64: a TorchScript module's dataflow is unknown
    const theirs = scoreModel(twinConv, { method: 'synflow', precision: 'float64' });
    for (const [name, score] of ours) assert.ok(relativeError(score, theirs.get(name)!) < 1e-12, name);
    for (const score of [...ours.values(), ...theirs.values()]) score.dispose();
    // to(): the script module converts in place and the Module's tensors follow (names kept, gradients on).
    traced.to('float64');
    twinConv.to('float64');
    assert.deepEqual(traced.namedParameters().map(([name, tensor]) => [name, tensor.dtype, tensor.requiresGrad]),
      twinConv.namedParameters().map(([name]) => [name, 'float64', true]));
    T.tidy(() => {
      const x = T.randn([2, 1, 12, 12], { dtype: 'float64' });
      const ours = T.noGrad(() => traced.forward(x));
      assert.equal(ours.dtype, 'float64');
      assert.ok(relativeError(ours, T.noGrad(() => twinConv.forward(x))) < 1e-12);
    });
    traced.dispose();
    twinConv.dispose();

    assert.throws(() => TorchScriptModule.load(path.join(dir, 'state.pt')),
      /state\.pt is not a TorchScript module .*torch\.jit\.script\(model\)\.save\(path\).*constants\.pkl/s);
    assert.throws(() => TorchScriptModule.load(path.join(dir, 'missing.pt')), /TorchScript file .*missing\.pt does not exist/);
    fs.writeFileSync(path.join(dir, 'garbage.pt'), 'not a zip archive');
    assert.throws(() => TorchScriptModule.load(path.join(dir, 'garbage.pt')), /garbage\.pt is not a TorchScript module/);
    const pair = TorchScriptModule.load(path.join(dir, 'pair.pt'));
    assert.throws(() => T.tidy(() => pair.forward(T.zeros([2, 4]))), /returned a tuple; sketchprune needs a module whose forward returns one tensor/);
    assert.throws(() => new TorchScriptModule(pair.script, { inputShape: [4] }), /returned a tuple/);
    assert.throws(() => T.tidy(() => pair.forward(T.zeros([2, 5]))), /TorchScript forward: .*(mat1 and mat2|shapes cannot be multiplied)/s);
    pair.dispose();

    const errors: string[] = [];
    const original = console.error;
    console.error = (line: string) => { errors.push(line); };
    try {
      assert.equal(await pruneCli(['--torchscript', path.join(dir, 'resnet.pt'), '--method', 'synflow', '--density', '0.1']), 2);
      assert.equal(await pruneCli(['--torchscript', path.join(dir, 'resnet.pt'), '--model', 'resnet20', '--method', 'synflow', '--density', '0.1']), 2);
      assert.equal(await pruneCli(['--torchscript', path.join(dir, 'resnet.pt'), '--input-shape', '3,x,8', '--method', 'synflow', '--density', '0.1']), 2);
    } finally {
      console.error = original;
    }
    assert.match(errors[0], /--torchscript needs --input-shape C,H,W/);
    assert.match(errors[1], /give --model or --torchscript, not both/);
    assert.match(errors[2], /--input-shape takes positive integers/);
  });
  test('prune --save-init on a registry model writes the seeded initial weights as FILE.init.pt', async () => {
    const out = path.join(dir, 'lenet.safetensors');
    const log = console.log;
    console.log = () => {};
    try {
      assert.equal(await pruneCli(['--model', 'lenet300', '--method', 'magnitude', '--density', '0.1', '--seed', '4',
        '--out', out, '--save-init']), 0);
    } finally {
      console.log = log;
    }
    const init = T.loadPt(path.join(dir, 'lenet.init.pt'));
    T.manualSeed(4);
    const model = createModel('lenet300');
    try {
      assert.deepEqual(Object.keys(init).sort(), Object.keys(model.stateDict()).sort());
      for (const [name, tensor] of Object.entries(model.stateDict())) assert.equal(relativeError(init[name], tensor), 0, name);
    } finally {
      model.dispose();
      for (const tensor of Object.values(init)) tensor.dispose();
    }
  });

  test('MaskSet.applyTo on a TorchScript module writes through to the scripted weights', () => {
    const model = TorchScriptModule.load(path.join(dir, 'conv2.pt'), { inputShape: [1, 12, 12] });
    const masks = MaskSet.ones(model);
    assert.deepEqual(masks.names, ['features.0.weight', 'features.2.weight', 'classifier.0.weight', 'classifier.2.weight',
      'classifier.4.weight']);
    T.noGrad(() => masks.get('classifier.4.weight').zero_());
    masks.applyTo(model);
    // The output layer's weights are zero now, so the logits equal its bias for any input.
    T.tidy(() => {
      const logits = T.noGrad(() => model.forward(T.randn([3, 1, 12, 12])));
      const bias = model.stateDict()['classifier.4.bias'];
      for (let row = 0; row < 3; row++) assert.equal(relativeError(logits.select(0, row), bias), 0);
    });
    masks.dispose();
    model.dispose();
  });
});
