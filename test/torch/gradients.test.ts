// Autograd of every differentiable op of the tensor API against central finite differences in float64.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as T from '../../src/torch/index.js';
import { checkGradients, pseudoTensor as random, pseudoTensorAvoiding as avoiding } from '../helpers/gradcheck.js';

const { F } = T;
type Case = [name: string, inputs: () => T.Tensor[], f: (...inputs: T.Tensor[]) => T.Tensor];
const positive = (shape: number[], seed: number) => T.tidy(() => random(shape, seed).abs().add(0.5));
const labels = (values: number[]) => T.tensor(BigInt64Array.from(values.map(BigInt)));

const cases: Case[] = [
  // elementwise arithmetic, with broadcasting where the op allows it
  ['add tensor (broadcast, alpha)', () => [random([3, 4], 1), random([4], 2)], (a, b) => a.add(b, 0.7)],
  ['add scalar', () => [random([3, 4], 3)], (a) => a.add(2.5)],
  ['sub tensor (broadcast, alpha)', () => [random([2, 3], 4), random([2, 1], 5)], (a, b) => a.sub(b, 1.5)],
  ['sub scalar and rsub', () => [random([5], 6)], (a) => a.sub(0.25).mul(a.rsub(3))],
  ['mul tensor (broadcast)', () => [random([3, 4], 7), random([3, 1], 8)], (a, b) => a.mul(b)],
  ['mul scalar', () => [random([6], 9)], (a) => a.mul(-3.5)],
  ['div tensor', () => [random([3, 4], 10), avoiding([3, 4], 11, [0], 0.5)], (a, b) => a.div(b)],
  ['div scalar', () => [random([6], 12)], (a) => a.div(0.3)],
  ['matmul matrix·matrix', () => [random([3, 4], 13), random([4, 2], 14)], (a, b) => a.matmul(b)],
  ['matmul batched·matrix', () => [random([2, 3, 4], 15), random([4, 5], 16)], (a, b) => a.matmul(b)],
  ['matmul vector·matrix', () => [random([4], 17), random([4, 3], 18)], (a, b) => a.matmul(b)],
  // elementwise functions (inputs kept inside the domain and away from kinks)
  ['abs', () => [avoiding([10], 19, [0])], (a) => a.abs()],
  ['sqrt', () => [positive([8], 20)], (a) => a.sqrt()],
  ['pow scalar exponent', () => [random([8], 21)], (a) => a.pow(3)],
  ['pow fractional exponent', () => [positive([8], 22)], (a) => a.pow(0.5)],
  ['pow tensor exponent', () => [positive([6], 23), random([6], 24)], (a, b) => a.pow(b)],
  ['exp', () => [random([8], 25)], (a) => a.exp()],
  ['log', () => [positive([8], 26)], (a) => a.log()],
  ['clamp min and max', () => [avoiding([12], 27, [-0.5, 0.5], 0.05)], (a) => a.clamp(-0.5, 0.5)],
  ['clamp min only', () => [avoiding([12], 28, [0.2], 0.05)], (a) => a.clamp(0.2)],
  ['relu', () => [avoiding([3, 4], 29, [0])], (a) => F.relu(a)],
  // reductions
  ['sum all', () => [random([3, 4], 30)], (a) => a.sum()],
  ['sum over dims, keepdim', () => [random([2, 3, 4], 31)], (a) => a.sum([0, 2], true)],
  ['mean all', () => [random([3, 4], 32)], (a) => a.mean()],
  ['mean over a dim', () => [random([3, 4], 33)], (a) => a.mean(1)],
  ['max all', () => [random([3, 4], 34)], (a) => a.max()],
  ['maxDim values', () => [random([3, 4], 35)], (a) => a.maxDim(1).values],
  ['norm p=2', () => [random([3, 4], 36)], (a) => a.norm()],
  ['norm p=1', () => [avoiding([3, 4], 37, [0])], (a) => a.norm(1)],
  ['norm p=3 over a dim', () => [avoiding([3, 4], 38, [0])], (a) => a.norm(3, 1)],
  // shape ops
  ['reshape', () => [random([2, 6], 39)], (a) => a.reshape([3, 4]).mul(a.reshape([3, 4]))],
  ['permute', () => [random([2, 3, 4], 40)], (a) => a.permute([2, 0, 1])],
  ['transpose', () => [random([2, 3, 4], 41)], (a) => a.transpose(0, 2)],
  ['cat', () => [random([2, 3], 42), random([1, 3], 43)], (a, b) => T.cat([a, b, a], 0)],
  ['stack', () => [random([2, 3], 44), random([2, 3], 45)], (a, b) => T.stack([a, b], 1)],
  ['narrow', () => [random([4, 5], 46)], (a) => a.narrow(1, 1, 3)],
  ['slice with step', () => [random([7, 2], 47)], (a) => a.slice(0, 1, 6, 2)],
  ['indexSelect with repeated indices', () => [random([4, 3], 48)],
    (a) => a.indexSelect(0, T.tensor(BigInt64Array.from([2n, 0n, 2n, 3n])))],
  ['expand', () => [random([3, 1], 49)], (a) => a.expand([2, 3, 4])],
  // layers
  ['linear with bias', () => [random([5, 4], 50), random([3, 4], 51), random([3], 52)], (x, w, b) => F.linear(x, w, b)],
  ['linear without bias', () => [random([2, 4], 53), random([3, 4], 54)], (x, w) => F.linear(x, w)],
  ['conv2d plain', () => [random([2, 3, 5, 5], 55), random([4, 3, 3, 3], 56), random([4], 57)],
    (x, w, b) => F.conv2d(x, w, { bias: b })],
  ['conv2d stride, padding, dilation, groups', () => [random([2, 4, 7, 7], 58), random([6, 2, 3, 3], 59), random([6], 60)],
    (x, w, b) => F.conv2d(x, w, { bias: b, stride: 2, padding: [1, 2], dilation: 2, groups: 2 })],
  ['conv2d asymmetric stride', () => [random([1, 2, 6, 5], 61), random([2, 2, 2, 3], 62)],
    (x, w) => F.conv2d(x, w, { stride: [2, 1], padding: 1 })],
  ['batchNorm training (batch statistics)', () => [random([4, 3, 2, 2], 63), random([3], 64), random([3], 65)],
    (x, w, b) => F.batchNorm(x, { weight: w, bias: b, runningMean: T.zeros([3], { dtype: 'float64' }),
      runningVar: T.ones([3], { dtype: 'float64' }), training: true })],
  ['batchNorm 2-D input, training, no affine', () => [random([5, 3], 66)], (x) => F.batchNorm(x, { training: true })],
  ['batchNorm eval (running statistics)', () => [random([3, 3, 2, 2], 67), random([3], 68), random([3], 69)],
    (x, w, b) => F.batchNorm(x, { weight: w, bias: b, runningMean: random([3], 70),
      runningVar: positive([3], 71), training: false })],
  ['maxPool2d 2×2', () => [random([2, 2, 4, 4], 72)], (x) => F.maxPool2d(x, 2)],
  ['maxPool2d 3×3 stride 2 padding 1', () => [random([1, 2, 5, 5], 73)], (x) => F.maxPool2d(x, 3, { stride: 2, padding: 1 })],
  ['avgPool2d 2×2', () => [random([2, 2, 4, 4], 74)], (x) => F.avgPool2d(x, 2)],
  ['avgPool2d padding, excluding pad, ceil mode', () => [random([1, 2, 5, 5], 75)],
    (x) => F.avgPool2d(x, 3, { stride: 2, padding: 1, countIncludePad: false, ceilMode: true })],
  ['adaptiveAvgPool2d 5×5→3×3 (overlapping windows)', () => [random([2, 2, 5, 5], 76)], (x) => F.adaptiveAvgPool2d(x, 3)],
  ['adaptiveAvgPool2d global', () => [random([2, 3, 4, 4], 77)], (x) => F.adaptiveAvgPool2d(x, 1)],
  // losses and log-probabilities
  ['logSoftmax', () => [random([3, 5], 78, 3)], (x) => F.logSoftmax(x, 1)],
  ['crossEntropy mean', () => [random([4, 5], 79, 2)], (x) => F.crossEntropy(x, labels([0, 4, 2, 2]))],
  ['crossEntropy sum with label smoothing', () => [random([3, 4], 80, 2)],
    (x) => F.crossEntropy(x, labels([3, 1, 0]), { reduction: 'sum', labelSmoothing: 0.1 })],
  ['nllLoss', () => [random([4, 3], 81)], (x) => F.nllLoss(x, labels([2, 0, 1, 2]))],
  ['nllLoss reduction none', () => [random([3, 3], 82)], (x) => F.nllLoss(x, labels([1, 1, 0]), 'none')],
  ['mseLoss (input and target)', () => [random([3, 4], 83), random([3, 4], 84)], (x, y) => F.mseLoss(x, y)],
  ['mseLoss sum', () => [random([5], 85), random([5], 86)], (x, y) => F.mseLoss(x, y, 'sum')],
  ['l1Loss (input and target)', () => [avoiding([3, 4], 87, [0]), T.zeros([3, 4], { dtype: 'float64' })],
    (x, y) => F.l1Loss(x, y)],
  // a composite, so gradients flow through several ops and a reused input
  ['composite: softmax-weighted squares', () => [random([2, 5], 88), random([5, 3], 89)],
    (x, w) => F.softmax(x.matmul(w), 1).mul(x.matmul(w).square()).sum(1)],
];

for (const [name, makeInputs, f] of cases) {
  test(`gradient of ${name} matches finite differences`, () => {
    T.tidy(() => checkGradients(f, makeInputs()));
  });
}

test('the finite-difference checker itself rejects a wrong gradient', () => {
  // detach() hides one factor from autograd, so autograd reports x where the true derivative of x² is 2x.
  T.tidy(() => assert.throws(() => checkGradients((x) => x.mul(x.detach()), [random([5], 90)]), /finite difference/));
});
