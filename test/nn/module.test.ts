// Module: PyTorch-style names, state dicts (copy semantics, strictness, shape errors), safetensors round trips,
// mode switches, dtype conversion, gradient clearing and memory ownership.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as T from '../../src/torch/index.js';
import { Module, Sequential, Linear, ReLU, BatchNorm1d, ModuleList } from '../../src/nn/index.js';

/** body.0: Linear(4, hidden), body.1: ReLU, body.2: Sequential(Linear(hidden, 2), BatchNorm1d(2)). */
class Net extends Module {
  readonly body: Sequential;
  constructor(hidden = 3) {
    super();
    this.body = this.registerModule('body', new Sequential(new Linear(4, hidden), new ReLU(),
      new Sequential(new Linear(hidden, 2), new BatchNorm1d(2))));
  }
  forward(input: T.Tensor): T.Tensor { return this.body.forward(input); }
}

const values = (state: T.NamedTensors) => Object.fromEntries(Object.entries(state).map(([name, t]) => [name, t.toArray()]));
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'sketchprune-module-'));

test('names follow PyTorch: dotted paths through children, parameters then buffers', () => {
  const net = new Net();
  assert.deepEqual(net.namedModules().map(([name]) => name), ['', 'body', 'body.0', 'body.1', 'body.2', 'body.2.0', 'body.2.1']);
  assert.deepEqual(net.namedParameters().map(([name]) => name),
    ['body.0.weight', 'body.0.bias', 'body.2.0.weight', 'body.2.0.bias', 'body.2.1.weight', 'body.2.1.bias']);
  assert.deepEqual(net.namedBuffers().map(([name]) => name),
    ['body.2.1.running_mean', 'body.2.1.running_var', 'body.2.1.num_batches_tracked']);
  assert.deepEqual(Object.keys(net.stateDict()), [...net.namedParameters(), ...net.namedBuffers()].map(([name]) => name));
  assert.equal(net.parameterCount(), (4 * 3 + 3) + (3 * 2 + 2) + 2 * 2);
  net.dispose();
});

test('loadStateDict copies values (later changes to the source do not leak in)', () => {
  T.manualSeed(1);
  const source = new Net();
  const target = new Net();
  assert.notDeepEqual(values(target.stateDict())['body.0.weight'], values(source.stateDict())['body.0.weight']);
  target.loadStateDict(source.stateDict());
  assert.deepEqual(values(target.stateDict()), values(source.stateDict()));
  T.noGrad(() => source.stateDict()['body.0.weight'].fill_(5));
  assert.ok(values(target.stateDict())['body.0.weight'].every((v) => v !== 5));
  assert.equal(target.stateDict()['body.0.weight'].requiresGrad, true);
  source.dispose();
  target.dispose();
});

test('loadStateDict: a shape mismatch names the entry and both shapes, and copies nothing', () => {
  const target = new Net(3);
  const other = new Net(5);
  assert.throws(() => target.loadStateDict(other.stateDict()),
    /state dict entry 'body.0.weight' has shape \[5,4\], the model expects \[3,4\]/);
  // Only the last parameter is wrong: the entries before it must not have been copied either.
  const source = new Net(3);
  const wrongBias = T.zeros([3]);
  const before = values(target.stateDict());
  assert.throws(() => target.loadStateDict({ ...source.stateDict(), 'body.2.1.bias': wrongBias }),
    /state dict entry 'body.2.1.bias' has shape \[3\], the model expects \[2\]/);
  assert.deepEqual(values(target.stateDict()), before);
  assert.notDeepEqual(before['body.0.weight'], source.stateDict()['body.0.weight'].toArray());
  for (const model of [target, other, source]) model.dispose();
  wrongBias.dispose();
});

test('loadStateDict: missing and unexpected keys are errors unless strict is false', () => {
  const target = new Net();
  const source = new Net();
  const partial = { ...source.stateDict() };
  delete partial['body.0.bias'];
  assert.throws(() => target.loadStateDict(partial), /state dict does not fit Net: missing body.0.bias$/);
  const extra = T.zeros([1]);
  const withExtra = { ...source.stateDict(), 'head.weight': extra };
  assert.throws(() => target.loadStateDict(withExtra), /unexpected head.weight/);
  const both = { ...partial, 'head.weight': extra };
  assert.throws(() => target.loadStateDict(both), /missing body.0.bias; unexpected head.weight/);
  const biasBefore = target.stateDict()['body.0.bias'].toArray();
  target.loadStateDict(both, { strict: false });
  assert.deepEqual(target.stateDict()['body.0.bias'].toArray(), biasBefore);
  assert.deepEqual(target.stateDict()['body.0.weight'].toArray(), source.stateDict()['body.0.weight'].toArray());
  extra.dispose();
  target.dispose();
  source.dispose();
});

test('loadStateDict converts dtype to the model\'s (float64 values into float32 parameters)', () => {
  const target = new Net();
  const state = Object.fromEntries(Object.entries(target.stateDict()).map(([name, t]) =>
    [name, T.isFloating(t.dtype) ? T.full(t.shape, 0.1, { dtype: 'float64' }) : t.clone()]));
  target.loadStateDict(state);
  const weight = target.stateDict()['body.0.weight'];
  assert.equal(weight.dtype, 'float32');
  assert.ok(weight.toArray().every((v) => v === Math.fround(0.1)));
  T.dispose(state);
  target.dispose();
});

test('safetensors round trip: every parameter and buffer (running stats, int64 counter) and the metadata', () => {
  const directory = tmp();
  const file = path.join(directory, 'net.safetensors');
  T.manualSeed(2);
  const source = new Net();
  T.tidy(() => T.noGrad(() => source.train().forward(T.randn([8, 4])))); // moves running stats, counter = 1
  source.saveSafetensors(file, { note: 'round trip' });
  const target = new Net();
  target.loadSafetensors(file);
  assert.deepEqual(values(target.stateDict()), values(source.stateDict()));
  assert.deepEqual(target.stateDict()['body.2.1.num_batches_tracked'].toArray(), [1]);
  assert.notDeepEqual(target.stateDict()['body.2.1.running_mean'].toArray(), [0, 0]);

  // The file itself: sorted keys, PyTorch dtypes, shapes, metadata.
  const bytes = fs.readFileSync(file);
  const header = JSON.parse(bytes.subarray(8, 8 + Number(bytes.readBigUInt64LE(0))).toString('utf8'));
  const { 'sketchprune.sha256': checksum, ...written } = header.__metadata__ as Record<string, string>;
  assert.deepEqual(written, { note: 'round trip' });
  assert.match(checksum, /^[0-9a-f]{64}$/, 'a SHA-256 of the contents, verified on load');
  assert.deepEqual(header['body.0.weight'].shape, [3, 4]);
  assert.equal(header['body.0.weight'].dtype, 'F32');
  assert.equal(header['body.2.1.num_batches_tracked'].dtype, 'I64');
  assert.deepEqual(Object.keys(header).filter((k) => k !== '__metadata__'), Object.keys(source.stateDict()).sort());

  const wrong = new Net(5);
  assert.throws(() => wrong.loadSafetensors(file), /'body.0.weight' has shape \[3,4\], the model expects \[5,4\]/);
  assert.throws(() => target.loadSafetensors(path.join(directory, 'absent.safetensors')), /absent.safetensors: no such file/);
  for (const model of [source, target, wrong]) model.dispose();
  fs.rmSync(directory, { recursive: true, force: true });
});

test('train() and eval() reach every submodule', () => {
  const net = new Net();
  net.eval();
  assert.ok(net.namedModules().every(([, module]) => module.training === false));
  net.train();
  assert.ok(net.namedModules().every(([, module]) => module.training === true));
  net.dispose();
});

test('to(\'float64\') converts floating tensors only; gradients still flow', () => {
  const net = new Net().to('float64');
  const state = net.stateDict();
  assert.equal(state['body.0.weight'].dtype, 'float64');
  assert.equal(state['body.2.1.running_var'].dtype, 'float64');
  assert.equal(state['body.2.1.num_batches_tracked'].dtype, 'int64');
  assert.ok(net.parameters().every((p) => p.requiresGrad));
  T.tidy(() => {
    net.forward(T.randn([5, 4], { dtype: 'float64' })).sum().backward();
    assert.equal(net.parameters()[0].grad!.dtype, 'float64');
  });
  net.zeroGrad();
  assert.ok(net.parameters().every((p) => p.grad === null));
  net.dispose();
});

test('dispose frees every tensor the module owns', () => {
  const before = T.memoryStats().tensors;
  const net = new Net();
  assert.equal(T.memoryStats().tensors, before + 9);
  net.dispose();
  assert.equal(T.memoryStats().tensors, before);
});

test('ModuleList names its items 0, 1, … and has no forward of its own', () => {
  class Holder extends Module {
    readonly list = this.registerModule('items', new ModuleList([new Linear(2, 2), new Linear(2, 1, { bias: false })]));
    forward(input: T.Tensor): T.Tensor { return input; }
  }
  const holder = new Holder();
  assert.deepEqual(holder.namedParameters().map(([name]) => name), ['items.0.weight', 'items.0.bias', 'items.1.weight']);
  assert.equal(holder.list.length, 2);
  assert.throws(() => holder.list.forward(), /ModuleList has no forward of its own/);
  holder.dispose();
});
