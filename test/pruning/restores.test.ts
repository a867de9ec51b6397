// Restores that cannot be skipped: IMP's warm-up runs inside the block that restores the caller's random
// stream, and Module.to() converts parameters in place so an optimizer holding them keeps live tensors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as T from '../../src/torch/index.js';
import { Linear, MaskSet, Sequential, ReLU } from '../../src/nn/index.js';
import { SGD } from '../../src/optim/index.js';
import { prune, registerMethod, unregisterMethod } from '../../src/pruning/index.js';
import { deepLinear } from './helpers.js';

const stateBytes = (): Buffer => T.tidy(() => Buffer.from(T.getRngState().data().buffer as ArrayBuffer));

test('a failing IMP warm-up (or round) leaves the caller\'s random stream as it was', async () => {
  for (const where of ['warmup', 'train'] as const) {
    const model = deepLinear([6, 5, 4]);
    T.manualSeed(4242);
    T.tidy(() => T.rand([3])); // some position in the stream
    const before = stateBytes();
    const fail = () => { T.tidy(() => T.rand([5])); throw new Error(`${where} failed`); };
    await assert.rejects(prune(model, {
      method: 'imp', density: 0.5, iterations: 2, seed: 7,
      imp: where === 'warmup' ? { warmup: fail, train: () => {} } : { train: fail },
    }), new RegExp(`${where} failed`));
    assert.ok(stateBytes().equals(before), `${where}: the generator state is restored`);
    model.dispose();
  }
});

test('a scorer that throws in a later iteration leaves the random stream, weights and flags as they were', async () => {
  // prune()'s loop and IMP share one setup/teardown (PruneSession): the same restores on the scoring path
  registerMethod({
    name: 'fails-late', label: 'x', describe: 'random scores, then throws', needs: 'none', trains: false,
    defaults: { iterations: 3, input: null, selection: 'threshold', scope: 'global' },
    create: () => {
      let calls = 0;
      return {
        score: (context) => {
          if (++calls === 2) throw new Error('scorer failed');
          return context.parameters.map(({ tensor }) => T.rand(tensor.shape, { dtype: 'float64' }));
        },
        dispose: () => {},
      };
    },
  });
  try {
    const model = deepLinear([6, 5, 4]);
    model.train(true);
    const weights = T.tidy(() => model.parameters().map((p) => Array.from(p.data() as Float32Array)));
    T.manualSeed(99);
    const before = stateBytes();
    await assert.rejects(prune(model, { method: 'fails-late', density: 0.2, seed: 3 }), /scorer failed/);
    assert.ok(stateBytes().equals(before), 'the generator state is restored');
    T.tidy(() => model.parameters().forEach((p, i) => assert.deepEqual(Array.from(p.data() as Float32Array), weights[i])));
    assert.equal(model.training, true);
    model.dispose();
  } finally {
    unregisterMethod('fails-late');
  }
});

test('Module.to(dtype) keeps the parameter objects: an optimizer built before still steps, masks still apply', () => {
  T.manualSeed(1);
  const model = new Sequential(new Linear(4, 3), new ReLU(), new Linear(3, 2));
  const parameters = model.namedParameters();
  const optimizer = new SGD(parameters, { lr: 0.1, momentum: 0.9 });
  const masks = new MaskSet([['0.weight', T.tidy(() => T.ones([3, 4]).mul(T.tensor([1, 0, 1, 0])))]]);
  const liveBefore = T.memoryStats().tensors;
  model.to('float64');
  assert.equal(T.memoryStats().tensors, liveBefore, 'no tensors leaked or freed');
  for (const [name, tensor] of model.namedParameters()) {
    assert.equal(tensor, parameters.find(([n]) => n === name)![1], `${name}: same Tensor object`);
    assert.equal(tensor.dtype, 'float64');
    assert.equal(tensor.requiresGrad, true);
  }
  const expected = T.tidy(() => model.namedParameters().map(([, p]) => p.clone().data() as Float64Array));
  T.tidy(() => {
    const loss = model.forward(T.ones([5, 4], { dtype: 'float64' })).sum();
    loss.backward();
  });
  const grads = T.tidy(() => model.parameters().map((p) => p.grad!.clone().data() as Float64Array));
  optimizer.step(); // used to fail: "tensor was disposed"
  T.tidy(() => model.parameters().forEach((p, i) => {
    const now = p.data() as Float64Array;
    now.forEach((value, j) => assert.ok(Math.abs(value - (expected[i][j] - 0.1 * grads[i][j])) < 1e-12));
  }));
  masks.applyTo(model);
  assert.deepEqual(T.tidy(() => model.namedParameters()[0][1].eq(0).sum().item()), 6);
  optimizer.disposeState();
  masks.dispose();
  model.dispose();
});
