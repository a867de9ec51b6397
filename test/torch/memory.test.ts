// Tensor lifetimes: tidy/keep/dispose move the live-tensor and byte counters exactly; the GC safety net frees
// dropped tensors; 10,000 training steps of a small model run in constant memory (tensors and RSS).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import vm from 'node:vm';
import * as T from '../../src/torch/index.js';

v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc') as () => void;
const live = () => T.memoryStats().tensors;
const bytes = () => T.memoryStats().bytes;

test('tidy frees everything made inside except its result; the counters say so exactly', () => {
  const start = T.memoryStats();
  const result = T.tidy(() => {
    const a = T.ones([1000]);            // 4000 bytes
    const b = a.mul(2).add(1);           // two more tensors
    assert.equal(live(), start.tensors + 3);
    assert.equal(bytes(), start.bytes + 3 * 4000);
    return b.sum();
  });
  assert.equal(live(), start.tensors + 1);
  assert.equal(bytes(), start.bytes + 4);
  assert.equal(result.item(), 3000);
  result.dispose();
  assert.deepEqual(T.memoryStats(), start);
});

test('nested tidy: the inner result belongs to the outer scope; arrays, objects and maps of tensors survive', () => {
  const start = live();
  const outer = T.tidy(() => {
    const inner = T.tidy(() => { T.zeros([3]); return T.ones([3]); });
    assert.equal(live(), start + 1, 'inner scratch freed, result alive');
    T.zeros([5]);
    return { list: [inner, T.ones([2])], map: new Map([['m', T.ones([1])]]), nested: { deep: T.ones([4]) }, n: 7 };
  });
  assert.equal(live(), start + 4);
  assert.equal(outer.list[0].isDisposed, false);
  T.dispose(outer);
  assert.equal(live(), start);
  assert.ok(outer.list.every((t) => t.isDisposed) && outer.map.get('m')!.isDisposed && outer.nested.deep.isDisposed);
});

test('keep() escapes every enclosing tidy until disposed; a throwing tidy still frees its tensors', () => {
  const start = live();
  let kept: T.Tensor | undefined;
  T.tidy(() => T.tidy(() => { kept = T.keep(T.ones([10]).mul(3)); T.ones([10]); }));
  assert.equal(live(), start + 1);
  const sum = kept!.sum(); // made outside any tidy: ours to dispose
  assert.equal(sum.item(), 30);
  assert.equal(live(), start + 2);
  T.dispose([kept, sum]);
  assert.equal(live(), start);
  assert.throws(() => T.tidy(() => { T.ones([3]); throw new Error('boom'); }), /boom/);
  assert.throws(() => T.tidy(() => Promise.resolve(T.ones([1])) as never), /must be synchronous/);
  assert.equal(live(), start, 'throwing scopes left nothing behind');
});

test('.grad returns a fresh alias: disposing it leaves the gradient in place', () => {
  T.tidy(() => {
    const w = T.ones([3], { requiresGrad: true });
    w.mul(w).sum().backward();
    const before = live();
    const alias = w.grad!;
    assert.equal(live(), before + 1);
    alias.dispose();
    assert.deepEqual(w.grad!.toArray(), [2, 2, 2]);
  });
});

test('the GC safety net frees tensors nobody disposed (made outside tidy, kept, or returned from tidy)', async () => {
  const settle = async () => {
    for (let round = 0; round < 5; round++) { collectGarbage(); await new Promise((resolve) => setTimeout(resolve, 5)); }
  };
  await settle(); // finalizers still pending from earlier tests run first
  const start = live();
  (() => {
    for (let i = 0; i < 50; i++) T.ones([100]);
    for (let i = 0; i < 20; i++) T.keep(T.ones([100]));
    T.tidy(() => [T.ones([100]), T.ones([100])]);
  })();
  assert.equal(live(), start + 72);
  for (let round = 0; round < 50 && live() > start; round++) {
    collectGarbage();
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  assert.equal(live(), start, 'every dropped tensor was freed by its finalizer');
});

test('10,000 forward/backward/SGD steps of linear-relu-linear run with flat live tensors and flat RSS', () => {
  // One thread: for a model this small more threads only spin, and CI shares 2 cores between jobs.
  T.setNumThreads(1);
  T.manualSeed(0);
  const parameters = [T.randn([32, 20]).mul_(0.1), T.zeros([32]), T.randn([4, 32]).mul_(0.1), T.zeros([4])]
    .map((p) => T.keep(p.requiresGrad_(true)));
  const velocity = parameters.map((p) => T.keep(T.zerosLike(p)));
  const inputs = T.keep(T.randn([16, 20]));
  const targets = T.keep(T.randint(0, 4, [16]));
  const step = () => T.tidy(() => {
    const [w1, b1, w2, b2] = parameters;
    const loss = T.F.crossEntropy(T.F.linear(T.F.relu(T.F.linear(inputs, w1, b1)), w2, b2), targets);
    const grads = T.grad(loss, parameters);
    T.noGrad(() => parameters.forEach((p, i) => {
      velocity[i].mul_(0.9).add_(grads[i]!);
      p.sub_(velocity[i], 0.05);
    }));
    return loss.item();
  });
  const steps = 10000;
  let firstLoss = 0;
  let lastLoss = 0;
  let at1000 = { tensors: 0, rss: 0 };
  for (let i = 1; i <= steps; i++) {
    const loss = step();
    if (i === 1) firstLoss = loss;
    lastLoss = loss;
    if (i === 1000 || i === steps) {
      collectGarbage();
      const sample = { tensors: live(), rss: process.memoryUsage().rss };
      if (i === 1000) at1000 = sample;
      else {
        assert.equal(sample.tensors, at1000.tensors, 'live tensors are exactly flat');
        const growth = (sample.rss - at1000.rss) / 2 ** 20;
        assert.ok(growth < 20, `RSS grew ${growth.toFixed(1)} MB between step 1,000 and ${steps}`);
      }
    }
  }
  assert.ok(lastLoss < firstLoss * 0.5, `the model trains (loss ${firstLoss.toFixed(3)} → ${lastLoss.toFixed(4)})`);
  T.dispose([parameters, velocity, inputs, targets]);
});
