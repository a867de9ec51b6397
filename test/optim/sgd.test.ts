import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SGD } from '../../src/optim/index.js';
import { tensor, randn, manualSeed, tidy, memoryStats, type Tensor } from '../../src/torch/index.js';
import { runPythonCode } from '../helpers/pytorch.js';

/** A float64 leaf parameter with the given values. */
function parameter(values: number[]): Tensor {
  return tensor(values, [values.length], { dtype: 'float64', requiresGrad: true });
}
function setGrad(target: Tensor, values: number[]): void {
  target.grad = tensor(values, [values.length], { dtype: target.dtype });
}

test('SGD with momentum, Nesterov and weight decay matches the formula computed by hand', () => {
  const p = parameter([1, -2]);
  const sgd = new SGD([['p', p]], { lr: 0.1, momentum: 0.9, weightDecay: 0.1, nesterov: true });
  // Hand computation for p=1, g=0.5 (and p=-2, g=0):
  // step 1: d=0.5+0.1·1=0.6, buf=0.6, d=0.6+0.9·0.6=1.14, p=1−0.114=0.886
  //         d=0−0.2=−0.2, buf=−0.2, d=−0.2−0.18=−0.38, p=−2+0.038=−1.962
  // step 2: d=0.5+0.0886=0.5886, buf=0.54+0.5886=1.1286, d=0.5886+1.01574=1.60434, p=0.886−0.160434=0.725566
  //         d=−0.1962, buf=−0.18−0.1962=−0.3762, d=−0.1962−0.33858=−0.53478, p=−1.962+0.053478=−1.908522
  setGrad(p, [0.5, 0]);
  sgd.step();
  assertClose(p.toArray(), [0.886, -1.962], 1e-12);
  setGrad(p, [0.5, 0]);
  sgd.step();
  assertClose(p.toArray(), [0.725566, -1.908522], 1e-12);
});

test('SGD dampening applies from the second step on (the first buffer is the raw direction)', () => {
  const p = parameter([1]);
  const sgd = new SGD([['p', p]], { lr: 1, momentum: 0.5, dampening: 0.5 });
  setGrad(p, [1]);
  sgd.step(); // buf = 1, p = 0
  setGrad(p, [1]);
  sgd.step(); // buf = 0.5 + 0.5 = 1, p = -1
  setGrad(p, [2]);
  sgd.step(); // buf = 0.5 + 1 = 1.5, p = -2.5
  assertClose(p.toArray(), [-2.5], 1e-15);
});

test('SGD skips parameters without a gradient and plain SGD is p -= lr·g', () => {
  const a = parameter([1, 2]);
  const b = parameter([3]);
  const sgd = new SGD([['a', a], ['b', b]], { lr: 0.5 });
  setGrad(a, [2, -4]);
  sgd.step();
  assertClose(a.toArray(), [0, 4], 0);
  assertClose(b.toArray(), [3], 0);
  assert.deepEqual(Object.keys(sgd.stateDict()), []);
});

test('SGD matches torch.optim.SGD bit for bit over several steps (momentum, Nesterov, weight decay, lr changes)', () => {
  manualSeed(7);
  const shapes = [[5, 4], [5], [3, 2, 3, 3]];
  const initial = shapes.map((shape) => randn(shape));
  const steps = 6;
  const grads = Array.from({ length: steps }, () => shapes.map((shape) => randn(shape)));
  const lrs = [0.1, 0.1, 0.05, 0.05, 0.01, 0.2];
  const configs = [
    { momentum: 0.9, weightDecay: 5e-4, nesterov: true, dampening: 0 },
    { momentum: 0.9, weightDecay: 1e-4, nesterov: false, dampening: 0.1 },
    { momentum: 0, weightDecay: 1e-2, nesterov: false, dampening: 0 },
  ];
  const reference = runPython(`
import json, sys, torch
data = json.load(sys.stdin)
results = []
for c in data['configs']:
    ps = [torch.tensor(v, dtype=torch.float32).reshape(s).requires_grad_() for v, s in zip(data['initial'], data['shapes'])]
    opt = torch.optim.SGD(ps, lr=data['lrs'][0], momentum=c['momentum'], dampening=c['dampening'],
                          weight_decay=c['weightDecay'], nesterov=c['nesterov'])
    for step, grads in enumerate(data['grads']):
        for p, g, s in zip(ps, grads, data['shapes']):
            p.grad = torch.tensor(g, dtype=torch.float32).reshape(s)
        for group in opt.param_groups:
            group['lr'] = data['lrs'][step]
        opt.step()
    results.append([p.detach().reshape(-1).tolist() for p in ps])
print(json.dumps(results))
`, {
    shapes, configs, lrs,
    initial: initial.map((t) => t.toArray()),
    grads: grads.map((list) => list.map((t) => t.toArray())),
  }) as number[][][];
  configs.forEach((config, c) => {
    const parameters = initial.map((values) => values.clone().requiresGrad_(true));
    const sgd = new SGD(parameters.map((p, i) => [`p${i}`, p]), { lr: lrs[0], ...config });
    for (let step = 0; step < steps; step++) {
      parameters.forEach((p, i) => { p.grad = grads[step][i]; });
      sgd.lr = lrs[step];
      sgd.step();
    }
    parameters.forEach((p, i) => assert.deepEqual(p.toArray(), reference[c][i], `parameter ${i} with ${JSON.stringify(config)}`));
    if (config.momentum > 0) assert.equal(Object.keys(sgd.stateDict()).length, shapes.length);
  });
});

test('SGD state round-trips: a restored optimizer continues exactly like the original', () => {
  manualSeed(3);
  const start = randn([6]);
  const grads = [randn([6]), randn([6]), randn([6]), randn([6])];
  const options = { lr: 0.1, momentum: 0.9, weightDecay: 1e-3, nesterov: true };
  const run = (restoreAfter: number | null): number[] => {
    let p = start.clone().requiresGrad_(true);
    let sgd = new SGD([['w', p]], options);
    for (let step = 0; step < grads.length; step++) {
      if (step === restoreAfter) {
        const saved = Object.fromEntries(Object.entries(sgd.stateDict()).map(([k, v]) => [k, v.clone()]));
        const values = p.detach().clone();
        sgd.disposeState();
        p = values.requiresGrad_(true);
        sgd = new SGD([['w', p]], options);
        sgd.loadStateDict(saved);
      }
      p.grad = grads[step];
      sgd.step();
    }
    return p.toArray();
  };
  assert.deepEqual(run(2), run(null));
});

test('SGD rejects bad hyperparameters and mismatched state with clear messages', () => {
  const p = parameter([1]);
  assert.throws(() => new SGD([['p', p]], { lr: -1 }), /learning rate must be a finite number ≥ 0, got -1/);
  assert.throws(() => new SGD([['p', p]], { lr: NaN }), /learning rate .* got NaN/);
  assert.throws(() => new SGD([['p', p]], { lr: 0.1, nesterov: true }), /Nesterov momentum needs momentum > 0/);
  assert.throws(() => new SGD([['p', p]], { lr: 0.1, momentum: -0.5 }), /momentum must be a finite number ≥ 0, got -0.5/);
  assert.throws(() => new SGD([['p', p], ['p', p]], { lr: 0.1 }), /'p' appears twice/);
  const sgd = new SGD([['p', p]], { lr: 0.1, momentum: 0.9 });
  assert.throws(() => sgd.loadStateDict({ 'momentum_buffer.q': tensor([1]) }), /'q', which is not a parameter/);
  assert.throws(() => sgd.loadStateDict({ 'momentum_buffer.p': tensor([1, 2]) }), /shape \[2\], the parameter has \[1\]/);
  assert.throws(() => sgd.loadStateDict({ lr: tensor([1]) }), /unexpected entry 'lr'/);
});

test('SGD steps run in constant memory', () => {
  const p = randn([50, 50]).requiresGrad_(true);
  const sgd = new SGD([['p', p]], { lr: 0.01, momentum: 0.9, weightDecay: 1e-4, nesterov: true });
  const oneStep = () => tidy(() => { p.grad = randn([50, 50]); sgd.step(); p.grad = null; });
  oneStep();
  const before = memoryStats();
  for (let i = 0; i < 50; i++) oneStep();
  assert.deepEqual(memoryStats(), before);
});

function assertClose(actual: number[], expected: number[], tolerance: number): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((value, i) => {
    assert.ok(Math.abs(value - expected[i]) <= tolerance, `element ${i}: ${value} vs expected ${expected[i]}`);
  });
}

function runPython(script: string, input: unknown): unknown {
  return JSON.parse(runPythonCode(script, [], JSON.stringify(input)));
}
