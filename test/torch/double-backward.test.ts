// Double backward: Hessian-vector products from grad(..., {createGraph: true}) against finite differences of
// gradients, and against a closed form. GraSP's Hessian-gradient product depends on this path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as T from '../../src/torch/index.js';
import { checkGradients, checkHessianVectorProduct, pseudoTensor as random } from '../helpers/gradcheck.js';

const { F } = T;
const labels = (values: number[]) => T.tensor(BigInt64Array.from(values.map(BigInt)));

test('Hessian-vector product of Σx³ equals 6·x⊙u exactly', () => {
  T.tidy(() => {
    const x = random([7], 1).requiresGrad_(true);
    const u = random([7], 2);
    const [g] = T.grad(x.pow(3).sum(), [x], { createGraph: true });
    assert.ok(g!.requiresGrad, 'a createGraph gradient must itself be differentiable');
    const [hu] = T.grad(g!.mul(u).sum(), [x]);
    const expected = x.detach().mul(u).mul(6).toArray();
    hu!.toArray().forEach((value, i) => assert.ok(Math.abs(value - expected[i]) < 1e-12, `${value} vs ${expected[i]}`));
    checkHessianVectorProduct((a) => a.pow(3).sum(), [x.detach()], [u]);
  });
});

test('Hessian-vector product of a two-layer tanh network with cross entropy matches finite differences', () => {
  T.tidy(() => {
    const input = random([4, 3], 3);
    const target = labels([0, 2, 1, 2]);
    const loss = (w1: T.Tensor, b1: T.Tensor, w2: T.Tensor) =>
      F.crossEntropy(F.linear(F.linear(input, w1, b1).tanh(), w2), target);
    checkHessianVectorProduct(loss, [random([5, 3], 4), random([5], 5), random([3, 5], 6)],
      [random([5, 3], 7), random([5], 8), random([3, 5], 9)]);
  });
});

test('Hessian-vector product through conv2d, batchNorm, relu, pooling and linear matches finite differences', () => {
  T.tidy(() => {
    const input = random([3, 2, 6, 6], 10);
    const target = labels([1, 0, 2]);
    const loss = (c1: T.Tensor, c2: T.Tensor, head: T.Tensor) => {
      let h = F.conv2d(input, c1, { padding: 1 });
      h = F.relu(F.batchNorm(h, { training: true }));
      h = F.maxPool2d(h, 2);
      h = F.relu(F.conv2d(h, c2, { padding: 1, stride: 1 }));
      h = F.avgPool2d(h, 3).add(F.adaptiveAvgPool2d(h, 1));
      return F.crossEntropy(F.linear(h.flatten(1), head), target);
    };
    checkHessianVectorProduct(loss, [random([4, 2, 3, 3], 11), random([3, 4, 3, 3], 12), random([3, 3], 13)],
      [random([4, 2, 3, 3], 14), random([3, 4, 3, 3], 15), random([3, 3], 16)]);
  });
});

test('Hessian-vector product through logSoftmax, nllLoss, mseLoss, sqrt, exp, log, div and norm', () => {
  T.tidy(() => {
    const target = labels([2, 0]);
    const loss = (x: T.Tensor, y: T.Tensor) => F.nllLoss(F.logSoftmax(x.mul(y.exp()), 1), target)
      .add(F.mseLoss(x.div(y.square().add(1)), y.sqrt().log().expand([2, 3])))
      .add(x.norm());
    checkHessianVectorProduct(loss, [random([2, 3], 17), random([3], 18).abs().add(0.5)],
      [random([2, 3], 19), random([3], 20)]);
  });
});

test('the gradient of a createGraph gradient is itself correct to first order (grad of Σ grad²)', () => {
  T.tidy(() => {
    // x ↦ Σ (∂L/∂x)², the quantity GraSP-like scores differentiate, checked as a first-order function.
    const w = random([3, 4], 21);
    const gradientNormSquared = (x: T.Tensor) => T.enableGrad(() => {
      // The finite-difference side calls this under noGrad with plain tensors; the inner grad still needs a graph.
      const leaf = x.requiresGrad ? x : x.detach().requiresGrad_(true);
      const loss = F.linear(leaf, w).tanh().sum();
      const [g] = T.grad(loss, [leaf], { createGraph: true });
      return g!.square().sum();
    });
    checkGradients(gradientNormSquared, [random([2, 4], 22)]);
  });
});

test('the finite-difference checker itself rejects a wrong Hessian-vector product', () => {
  T.tidy(() => {
    // detach() hides one factor from autograd: the recorded Hessian of x²·detach(x) is 2x, the true one of x³ is 6x.
    assert.throws(() => checkHessianVectorProduct((x) => x.square().mul(x.detach()).sum(), [random([4], 23)], [random([4], 24)]),
      /finite difference/);
  });
});

test('a second backward without createGraph is an Error, not a crash', () => {
  T.tidy(() => {
    const x = random([3], 25).requiresGrad_(true);
    const [g] = T.grad(x.pow(3).sum(), [x]);
    assert.equal(g!.requiresGrad, false);
    assert.throws(() => T.grad(g!.sum(), [x]), /does not require grad|grad/);
  });
});
