// Scorers against independent computations: SynFlow's closed forms (linear case, synaptic flow conservation, no
// float32 underflow), SNIP and GraSP against finite differences, the NTK sketch against a brute-force Jacobian.
import test, { describe } from 'node:test';
import assert from 'node:assert/strict';
import * as T from '../../src/torch/index.js';
import { F } from '../../src/torch/index.js';
import { BatchNorm2d, Linear, Module, createModel } from '../../src/nn/index.js';
import { prune, scoreModel } from '../../src/pruning/index.js';
import {
  Flat, SmallConvNet, deepLinear, fixedSource, randomizeAllBatchNorm, randomizeBatchNorm, relativeError, scaledSynflowMatchesFloat64,
} from './helpers.js';

const weightsOf = (model: Module) => model.namedParameters().filter(([name]) => name.endsWith('weight') && !/^(1|5)\./.test(name));

describe('synflow', () => {
  test('on a linear model with input ‖X_(i)‖ the score is exactly ‖X_(i)‖·|w_i| (paper §5)', () => T.tidy(() => {
    T.manualSeed(1);
    const d = 50, n = 128;
    const model = new Flat([1, 1, d], new Linear(d, 1, { bias: false }));
    const X = T.randn([d, n], { dtype: 'float64' }).div(Math.sqrt(n));
    const rowNorms = X.norm(2, 1);
    const source = fixedSource([{ inputs: rowNorms.reshape([1, 1, 1, d]), labels: T.zeros([1], { dtype: 'int64' }) }]);
    const scores = scoreModel(model, { method: 'synflow', input: { source }, precision: 'float64' });
    const w = model.namedParameters()[0][1];
    const expected = rowNorms.mul(w.abs().to('float64').flatten());
    assert.ok(relativeError(scores.get('1.weight')!.flatten(), expected) < 1e-14);
  }));

  test('per-layer score sums are equal to R (synaptic flow conservation) on a deep bias-free ReLU net', () => T.tidy(() => {
    T.manualSeed(2);
    const model = deepLinear([20, 30, 25, 15, 5]);
    const scores = [...scoreModel(model, { method: 'synflow', precision: 'float64' }).values()];
    // R = 1ᵀ|W₄||W₃||W₂||W₁|1, computed directly
    let path = T.ones([20, 1], { dtype: 'float64' });
    for (const [, weight] of model.namedParameters()) path = weight.abs().to('float64').matmul(path);
    const R = path.sum().item();
    for (const score of scores) assert.ok(Math.abs(score.sum().item() - R) <= 1e-12 * R, `layer sum ${score.sum().item()} vs R ${R}`);
  }));

  test('no underflow where plain float32 scores are all zero: scaled float32 (default) and float64', () => T.tidy(() => {
    T.manualSeed(3);
    const model = deepLinear(new Array(41).fill(8));
    T.noGrad(() => { for (const weight of model.parameters()) weight.mul_(0.02); });
    let path = T.ones([8, 1], { dtype: 'float64' });
    for (const weight of model.parameters()) path = weight.abs().to('float64').matmul(path);
    const R = path.sum().item();
    assert.ok(R > 0 && R < 1e-45, `R = ${R} lies below float32's smallest value`);
    for (const [precision, tolerance] of [['float32', 1e-5], ['float64', 1e-10]] as const) {
      const scores = [...scoreModel(model, { method: 'synflow', precision }).values()];
      const exact = [...scoreModel(model, { method: 'synflow', precision: 'float64' }).values()];
      scores.forEach((score, index) => {
        assert.equal(score.dtype, 'float64');
        assert.equal(score.eq(0).sum().item(), 0, `${precision}: no score underflows to zero`);
        assert.ok(Math.abs(score.sum().item() - R) <= tolerance * R, `${precision}: layer sum ${score.sum().item()} vs R ${R}`);
        assert.ok(relativeError(score, exact[index]) <= tolerance, `${precision}: scores equal the float64 ones`);
      });
    }
    // the same computation in float32 underflows to all-zero scores (Synaptic-Flow's failure mode)
    const float32 = T.enableGrad(() => {
      const weights = model.parameters().map((weight) => weight.detach().abs().requiresGrad_(true));
      let x = T.ones([1, 8]);
      weights.forEach((weight, index) => { x = F.linear(x, weight); if (index < weights.length - 1) x = F.relu(x); });
      return T.grad(x.sum(), weights).map((g, i) => g!.mul(weights[i]).abs());
    });
    assert.ok(float32.every((score) => score.eq(0).all().item() === 1));
  }));

  // A VGG-11 (9.2M weights) gets the same check in test/e2e/synflow-precision.test.ts.
  for (const [label, make] of [
    ['conv net with biases and batch norm', () => { const model = new SmallConvNet(); randomizeBatchNorm(model); return model; }],
    ['ResNet-20 (identity and 1×1 shortcuts)', () => {
      const model = createModel('resnet20', { inputShape: [3, 8, 8], numClasses: 5 });
      randomizeAllBatchNorm(model);
      return model;
    }],
  ] as const) {
    test(`float32 (batch norm folded, layers scaled) equals float64 on a ${label}, and prunes to the same masks`, () => scaledSynflowMatchesFloat64(make));
  }

  test('a model whose forward is its own scores in float64 (the scaling needs a known dataflow)', async () => {
    T.manualSeed(9);
    class Custom extends Module {
      readonly inputShape = [1, 1, 6];
      readonly a = this.registerModule('a', new Linear(6, 5));
      readonly b = this.registerModule('b', new Linear(5, 3));
      forward(input: T.Tensor): T.Tensor { const h = this.a.forward(input.flatten(1)).relu(); return this.b.forward(h).add(h.sum(1, true)); }
    }
    const model = new Custom();
    const { masks, record } = await prune(model, { method: 'synflow', density: 0.5, iterations: 2 });
    assert.equal(record.options.precision, 'float64');
    masks.dispose();
  });

  test('leaves weights, dtypes, buffers, train flags and tensor identity as they were', () => T.tidy(() => {
    T.manualSeed(4);
    const model = new SmallConvNet();
    randomizeBatchNorm(model);
    model.train();
    const before = model.stateDict();
    const copies = Object.fromEntries(Object.entries(before).map(([name, tensor]) => [name, tensor.clone()]));
    scoreModel(model, { method: 'synflow' });
    const after = model.stateDict();
    for (const [name, tensor] of Object.entries(after)) {
      assert.equal(tensor, before[name], `${name} is the same tensor object`);
      assert.equal(tensor.dtype, copies[name].dtype);
      assert.equal(tensor.eq(copies[name]).all().item(), 1, `${name} unchanged`);
    }
    assert.equal(model.training, true);
    assert.ok(model.parameters().every((parameter) => parameter.requiresGrad));
  }));
});

/** Loss summed over batches, as SNIP/GraSP define it, with an optional temperature. */
function totalLoss(model: Module, batches: { inputs: T.Tensor; labels: T.Tensor }[], temperature = 1): T.Tensor {
  let loss = T.zeros([], { dtype: 'float64' });
  for (const { inputs, labels } of batches) loss = loss.add(F.crossEntropy(model.forward(inputs).div(temperature), labels));
  return loss;
}

function convNetWithBatches(seed: number) {
  T.manualSeed(seed);
  const model = new SmallConvNet();
  randomizeBatchNorm(model);
  model.to('float64').eval();
  const batches = [0, 1].map(() => ({ inputs: T.randn([6, 3, 8, 8], { dtype: 'float64' }), labels: T.randint(0, 5, [6]) }));
  return { model, batches };
}

describe('snip', () => {
  test('equals |g ⊙ w| with g from central finite differences of the summed loss', () => T.tidy(() => {
    const { model, batches } = convNetWithBatches(5);
    const scores = scoreModel(model, { method: 'snip', input: { source: fixedSource(batches), batches: 2 } });
    const epsilon = 1e-6;
    for (const [name, weight] of weightsOf(model)) {
      const score = scores.get(name)!.flatten();
      for (const index of [0, 7, weight.numel - 1]) {
        const at = (delta: number) => T.noGrad(() => {
          const flat = weight.view([-1]);
          const original = flat.select(0, index).item();
          flat.select(0, index).fill_(original + delta);
          const loss = totalLoss(model, batches).item();
          flat.select(0, index).fill_(original);
          return loss;
        });
        const g = (at(epsilon) - at(-epsilon)) / (2 * epsilon);
        const w = weight.view([-1]).select(0, index).item();
        const expected = Math.abs(g * w);
        const actual = score.select(0, index).item();
        assert.ok(Math.abs(actual - expected) <= 1e-6 * Math.max(expected, 1e-3), `${name}[${index}]: ${actual} vs ${expected}`);
      }
    }
  }));
});

describe('grasp', () => {
  test('one batch (g from the same double-backward pass) is a quarter of that batch counted twice; SNIP half', () => T.tidy(() => {
    // two copies of one batch: g doubles and Hg = Σ_b ∇(gᵀ∇L_b) quadruples, through the two-pass path
    const { model, batches } = convNetWithBatches(7);
    model.to('float32');
    const batch = { inputs: batches[0].inputs.to('float32'), labels: batches[0].labels };
    for (const [method, factor] of [['grasp', 4], ['snip', 2]] as const) {
      const once = scoreModel(model, { method, input: { source: fixedSource([batch]), batches: 1 } });
      const twice = scoreModel(model, { method, input: { source: fixedSource([batch, batch]), batches: 2 } });
      for (const [name, score] of once) {
        assert.equal(score.dtype, 'float64');
        const error = relativeError(score.mul(factor), twice.get(name)!);
        assert.ok(error < 1e-5, `${method} ${name}: relative error ${error}`);
        assert.ok(score.abs().sum().item() > 0);
      }
    }
  }));

  test('Hg equals central finite differences of the gradient along g; score = w ⊙ Hg', () => T.tidy(() => {
    const { model, batches } = convNetWithBatches(6);
    const temperature = 200;
    const named = weightsOf(model);
    const weights = named.map(([, weight]) => weight);
    const gradient = () => T.grad(totalLoss(model, batches, temperature), weights).map((g) => g!);
    const g = gradient();
    const norm = Math.sqrt(g.reduce((sum, part) => sum + part.square().sum().item(), 0));
    const epsilon = 1e-4 / norm;
    const shifted = (sign: number) => {
      T.noGrad(() => weights.forEach((weight, i) => weight.add_(g[i], sign * epsilon)));
      const result = gradient();
      T.noGrad(() => weights.forEach((weight, i) => weight.sub_(g[i], sign * epsilon)));
      return result;
    };
    const plus = shifted(1), minus = shifted(-1);
    const scores = scoreModel(model, { method: 'grasp', input: { source: fixedSource(batches), batches: 2 } });
    named.forEach(([name, weight], i) => {
      const hg = plus[i].sub(minus[i]).div(2 * epsilon);
      const error = relativeError(scores.get(name)!, hg.mul(weight));
      assert.ok(error < 1e-5, `${name}: relative error ${error}`);
    });
  }));
});

describe('batch norm folded for snip and grasp', () => {
  // The scorers fold eval-mode batch norm into the layer before it (W_f = a·W) and score W_f ⊙ ∂L/∂W_f, and GraSP
  // W_f ⊙ H_f(a² ⊙ g_f); the reference here is plain autograd on the unfolded ResNet (1×1 conv+BN shortcuts,
  // negative γ, non-trivial running statistics), one batch and two.
  test('scores equal unfolded autograd on a ResNet, and no batch norm runs while scoring', () => T.tidy(() => {
    T.manualSeed(12);
    const model = createModel('resnet20', { inputShape: [3, 8, 8], numClasses: 5 });
    randomizeAllBatchNorm(model);
    model.to('float64').eval();
    const batches = [0, 1].map(() => ({ inputs: T.randn([4, 3, 8, 8], { dtype: 'float64' }), labels: T.randint(0, 5, [4]) }));
    const named = model.namedParameters().filter(([name, tensor]) => name.endsWith('weight') && tensor.ndim > 1);
    const weights = named.map(([, weight]) => weight);
    const loss = (temperature: number, count: number) => batches.slice(0, count)
      .map(({ inputs, labels }) => F.crossEntropy(model.forward(inputs).div(temperature), labels)).reduce((sum, part) => sum.add(part));
    // counted on the class (an instance's own forward would make the structure unknown, and the fold refuse it)
    const prototype = BatchNorm2d.prototype as { forward: (input: T.Tensor) => T.Tensor };
    const forward = prototype.forward;
    let calls = 0;
    prototype.forward = function (this: BatchNorm2d, input: T.Tensor) { calls++; return forward.call(this, input); };
    try {
      for (const count of [1, 2]) {
        const g = T.grad(loss(1, count), weights).map((gradient) => gradient!);
        const gT = T.grad(loss(200, count), weights, { createGraph: true }).map((gradient) => gradient!);
        const inner = gT.map((gradient) => gradient.mul(gradient.detach()).sum()).reduce((sum, part) => sum.add(part));
        const hg = T.grad(inner, weights).map((product) => product!);
        calls = 0;
        const snip = scoreModel(model, { method: 'snip', input: { source: fixedSource(batches), batches: count } });
        const grasp = scoreModel(model, { method: 'grasp', input: { source: fixedSource(batches), batches: count } });
        assert.equal(calls, 0, 'batch norm forwards while scoring');
        named.forEach(([name, weight], i) => {
          const snipError = relativeError(snip.get(name)!, g[i].mul(weight).abs());
          const graspError = relativeError(grasp.get(name)!, hg[i].mul(weight));
          assert.ok(snipError < 1e-10 && graspError < 1e-10, `${count} batch(es) ${name}: snip ${snipError}, grasp ${graspError}`);
        });
      }
    } finally {
      prototype.forward = forward;
    }
  }));
});

describe('ntk-sketch', () => {
  test('on a linear map the Jacobian column norm of W_cj is ‖X_(j)‖, so the score is ‖X_(j)‖·|W_cj|', () => T.tidy(() => {
    T.manualSeed(7);
    const model = new Flat([1, 1, 6], new Linear(6, 3, { bias: false }));
    const inputs = T.randn([5, 1, 1, 6]);
    const scores = scoreModel(model, { method: 'ntk-sketch', input: { source: fixedSource([{ inputs, labels: T.zeros([5], { dtype: 'int64' }) }]) } });
    const norms = inputs.reshape([5, 6]).to('float64').norm(2, 0);
    const expected = model.namedParameters()[0][1].abs().to('float64').mul(norms.unsqueeze(0));
    assert.ok(relativeError(scores.get('1.weight')!, expected) < 1e-6);
  }));

  test('equals ‖J_(k)‖·|θ_k| with J from finite differences on a small ReLU network', () => T.tidy(() => {
    T.manualSeed(8);
    const model = deepLinear([4, 5, 3], true);
    model.to('float64');
    const inputs = T.randn([3, 1, 1, 4], { dtype: 'float64' });
    const scores = scoreModel(model, { method: 'ntk-sketch', input: { source: fixedSource([{ inputs, labels: T.zeros([3], { dtype: 'int64' }) }]) } });
    const epsilon = 1e-6;
    for (const [name, weight] of model.namedParameters().filter(([n]) => n.endsWith('weight'))) {
      const flat = weight.view([-1]);
      const expected: number[] = [];
      for (let k = 0; k < weight.numel; k++) {
        const at = (delta: number) => T.noGrad(() => {
          const original = flat.select(0, k).item();
          flat.select(0, k).fill_(original + delta);
          const out = model.forward(inputs).clone();
          flat.select(0, k).fill_(original);
          return out;
        });
        const column = at(epsilon).sub(at(-epsilon)).div(2 * epsilon);
        expected.push(column.norm().item() * Math.abs(flat.select(0, k).item()));
      }
      const error = relativeError(scores.get(name)!.flatten(), T.tensor(new Float64Array(expected)));
      assert.ok(error < 1e-6, `${name}: relative error ${error}`);
    }
  }));
});

describe('magnitude and random', () => {
  test('magnitude is |w|; random is uniform on [0, 1)', () => T.tidy(() => {
    T.manualSeed(9);
    const model = deepLinear([10, 8, 4]);
    const magnitude = scoreModel(model, { method: 'magnitude' });
    for (const [name, weight] of model.namedParameters()) assert.equal(relativeError(magnitude.get(name)!, weight.abs()), 0);
    const random = [...scoreModel(model, { method: 'random', seed: 3 }).values()];
    const again = [...scoreModel(model, { method: 'random', seed: 3 }).values()];
    random.forEach((score, i) => {
      assert.equal(score.eq(again[i]).all().item(), 1, 'same seed, same scores');
      assert.ok(score.min().item() >= 0 && score.max().item() < 1);
    });
  }));
});
