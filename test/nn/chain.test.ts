// chain/release: forward code frees each intermediate activation once it is consumed (as Python's refcounting
// does), never the caller's input, a kept tensor or a result that is the very same tensor; gradients are unchanged.
import test from 'node:test';
import assert from 'node:assert/strict';
import * as T from '../../src/torch/index.js';
import { Module, Sequential, Linear, ReLU, Identity, chain, release, reluInPlace } from '../../src/nn/index.js';

/** A step that records what it was given and returns a fresh tensor (x + 1). */
function recorder(seen: T.Tensor[]) { return (input: T.Tensor) => { seen.push(input); return input.add(1); }; }

test('chain frees every intermediate output once the next step has run, but not the input or the result', () => {
  T.tidy(() => {
    const input = T.zeros([2, 3]);
    const seen: T.Tensor[] = [];
    const step = recorder(seen);
    const output = chain(input, step, step, step);
    assert.equal(seen.length, 3);
    assert.equal(seen[0], input);
    assert.equal(input.isDisposed, false);
    assert.equal(seen[1].isDisposed, true);
    assert.equal(seen[2].isDisposed, true);
    assert.deepEqual(output.toArray(), [3, 3, 3, 3, 3, 3]);
  });
});

test('a step that returns its own input (identity, in-place op) keeps that tensor alive; no step means the input', () => {
  T.tidy(() => {
    const input = T.zeros([2]);
    assert.equal(chain(input), input);
    assert.equal(chain(input, new Identity(), (x) => x), input);
    assert.equal(input.isDisposed, false);
    const seen: T.Tensor[] = [];
    const output = chain(input, recorder(seen), (x) => x.mul_(2), new Identity(), recorder(seen));
    assert.equal(seen[1].isDisposed, true, 'the in-place result is freed once the last step consumed it');
    assert.deepEqual(output.toArray(), [3, 3]);
  });
});

test('release never frees kept tensors (parameters, buffers) or survivors', () => {
  const parameter = T.keep(T.ones([2]));
  T.tidy(() => {
    const output = chain(T.zeros([2]), () => parameter, (x) => x.add(1));
    assert.equal(parameter.isDisposed, false);
    assert.deepEqual(output.toArray(), [2, 2]);
    const fresh = T.ones([1]);
    release(fresh, fresh);
    assert.equal(fresh.isDisposed, false);
    release(fresh);
    assert.equal(fresh.isDisposed, true);
  });
  parameter.dispose();
});

test('Sequential.forward leaves only its input and output alive (plus parameters), inside and outside tidy', () => {
  const net = new Sequential(new Linear(8, 16), new ReLU(), new Linear(16, 16), new ReLU(), new Linear(16, 4));
  const input = T.randn([5, 8]);
  const before = T.memoryStats().tensors;
  const output = T.tidy(() => net.forward(input));
  assert.equal(T.memoryStats().tensors, before + 1, 'only the output is new');
  T.tidy(() => {
    const inside = net.forward(input);
    assert.equal(T.memoryStats().tensors, before + 2, 'intermediates are gone before the scope ends');
    assert.deepEqual(inside.toArray(), output.toArray());
  });
  output.dispose();
  input.dispose();
  net.dispose();
});

test('reluInPlace after a layer gives the same output and gradients as F.relu', () => {
  class Net extends Module {
    readonly first = this.registerModule('first', new Linear(6, 10));
    readonly second = this.registerModule('second', new Linear(10, 3));
    constructor(readonly inPlace: boolean) { super(); }
    forward(input: T.Tensor): T.Tensor { return chain(input, this.first, this.inPlace ? reluInPlace : T.F.relu, this.second); }
  }
  T.manualSeed(3);
  const reference = new Net(false);
  const inPlace = new Net(true);
  inPlace.loadStateDict(reference.stateDict());
  const input = T.randn([7, 6]);
  const gradOutput = T.randn([7, 3]);
  const run = (net: Net) => T.tidy(() => {
    const output = net.forward(input);
    output.backward(gradOutput);
    return { output: output.toArray(), grads: net.parameters().map((parameter) => parameter.grad!.toArray()) };
  });
  const expected = run(reference);
  const actual = run(inPlace);
  assert.deepEqual(actual.output, expected.output);
  assert.deepEqual(actual.grads, expected.grads);
  assert.ok(expected.output.some((value) => value !== expected.output[0]), 'outputs are not constant');
  for (const net of [reference, inPlace]) net.dispose();
  input.dispose();
  gradOutput.dispose();
});

test('reluInPlace on a result that backward still needs fails loudly instead of giving a wrong gradient', () => {
  T.tidy(() => {
    const weight = T.randn([4]).requiresGrad_();
    const output = chain(weight, (x) => x.sigmoid(), reluInPlace); // sigmoid keeps its output for backward
    assert.throws(() => output.sum().backward(), /modified by an inplace operation/);
  });
});
