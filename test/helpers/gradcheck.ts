// Finite-difference oracles for autograd (float64): first derivatives of any op, and Hessian-vector products.
import assert from 'node:assert/strict';
import * as T from '../../src/torch/index.js';

export interface FiniteDifferenceOptions {
  /** Step of the central difference. */
  step?: number;
  /** |autograd - finite difference| must be ≤ absolute + relative·|finite difference|. */
  absolute?: number;
  relative?: number;
}

/** Deterministic values in [-1, 1) (mulberry32), independent of libtorch's generator. */
export function pseudoRandom(count: number, seed: number): Float64Array {
  const values = new Float64Array(count);
  let state = seed >>> 0;
  for (let i = 0; i < count; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    values[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return values;
}

/** A float64 tensor of the given shape filled with pseudoRandom values. */
export function pseudoTensor(shape: number[], seed: number, scale = 1): T.Tensor {
  const count = shape.reduce((a, b) => a * b, 1);
  return T.tensor(pseudoRandom(count, seed).map((value) => value * scale), shape, { dtype: 'float64' });
}

/**
 * Like pseudoTensor, but every element lies at least `margin` away from each kink (where the op is not
 * differentiable, e.g. 0 for abs/relu or the bounds of clamp), so finite differences never straddle one.
 */
export function pseudoTensorAvoiding(shape: number[], seed: number, kinks: number[], margin = 0.1, scale = 1): T.Tensor {
  const count = shape.reduce((a, b) => a * b, 1);
  const values = pseudoRandom(count, seed).map((value) => {
    let moved = value * scale;
    for (const kink of kinks) {
      if (Math.abs(moved - kink) < margin) moved = kink + (moved >= kink ? margin : -margin);
    }
    return moved;
  });
  return T.tensor(values, shape, { dtype: 'float64' });
}

function withReplaced(inputs: T.Tensor[], index: number, replacement: T.Tensor): T.Tensor[] {
  return inputs.map((input, i) => (i === index ? replacement : input));
}

function readFloat64(tensor: T.Tensor): Float64Array {
  assert.equal(tensor.dtype, 'float64', 'finite differences need float64 inputs');
  return Float64Array.from(tensor.data() as Float64Array);
}

function assertClose(analytic: ArrayLike<number>, numeric: ArrayLike<number>, what: string,
  options: FiniteDifferenceOptions): void {
  const absolute = options.absolute ?? 1e-6;
  const relative = options.relative ?? 1e-5;
  assert.equal(analytic.length, numeric.length, `${what}: ${analytic.length} analytic vs ${numeric.length} numeric`);
  for (let j = 0; j < numeric.length; j++) {
    const error = Math.abs(analytic[j] - numeric[j]);
    if (!(error <= absolute + relative * Math.abs(numeric[j]))) {
      assert.fail(`${what}, element ${j}: autograd ${analytic[j]} vs finite difference ${numeric[j]} (error ${error})`);
    }
  }
}

/**
 * Checks the gradient of L(x₁..xₙ) = Σ v ⊙ f(x₁..xₙ) with respect to every input against central differences
 * (L(x + h·eⱼ) − L(x − h·eⱼ)) / 2h, element by element. v is a fixed pseudo-random weighting, so every entry
 * of the Jacobian matters (a plain sum would hide errors whose column sums vanish).
 * Returns the largest absolute difference seen, for reporting.
 */
export function checkGradients(f: (...inputs: T.Tensor[]) => T.Tensor, inputs: T.Tensor[],
  options: FiniteDifferenceOptions = {}): number {
  const step = options.step ?? 1e-6;
  return T.tidy(() => {
    const leaves = inputs.map((input) => input.detach().requiresGrad_(true));
    const output = f(...leaves);
    const weights = pseudoTensor(output.shape, 12345).add(0.25);
    const objective = (tensors: T.Tensor[]): number => T.tidy(() => T.noGrad(() => f(...tensors).mul(weights).sum().item()));
    const analytic = T.grad(output.mul(weights).sum(), leaves, { allowUnused: true });
    let worst = 0;
    inputs.forEach((input, k) => {
      const base = readFloat64(input);
      const numeric = new Float64Array(base.length);
      for (let j = 0; j < base.length; j++) {
        const shifted = Float64Array.from(base);
        shifted[j] = base[j] + step;
        const plus = objective(withReplaced(inputs, k, T.tensor(shifted, input.shape, { dtype: 'float64' })));
        shifted[j] = base[j] - step;
        const minus = objective(withReplaced(inputs, k, T.tensor(shifted, input.shape, { dtype: 'float64' })));
        numeric[j] = (plus - minus) / (2 * step);
      }
      const gradient = analytic[k] ? readFloat64(analytic[k]!) : new Float64Array(base.length);
      assertClose(gradient, numeric, `input ${k} [${input.shape}]`, options);
      for (let j = 0; j < base.length; j++) worst = Math.max(worst, Math.abs(gradient[j] - numeric[j]));
    });
    return worst;
  });
}

/**
 * Checks a Hessian-vector product made by double backward — g = grad(f, x, {createGraph}), Hu = grad(Σ g·u, x) —
 * against central differences of first-order gradients along u: (g(x + h·u) − g(x − h·u)) / 2h.
 * f must return a scalar. Returns the largest absolute difference.
 */
export function checkHessianVectorProduct(f: (...inputs: T.Tensor[]) => T.Tensor, inputs: T.Tensor[],
  directions: T.Tensor[], options: FiniteDifferenceOptions = {}): number {
  const step = options.step ?? 1e-5;
  return T.tidy(() => {
    const gradientAt = (points: T.Tensor[], createGraph: boolean): { leaves: T.Tensor[]; grads: T.Tensor[] } => {
      const leaves = points.map((point) => point.detach().requiresGrad_(true));
      const grads = T.grad(f(...leaves), leaves, { createGraph, allowUnused: true })
        .map((grad, i) => grad ?? T.zerosLike(leaves[i]));
      return { leaves, grads };
    };
    const { leaves, grads } = gradientAt(inputs, true);
    let directional = grads[0].mul(directions[0]).sum();
    for (let k = 1; k < grads.length; k++) directional = directional.add(grads[k].mul(directions[k]).sum());
    const hessianTimesDirection = T.grad(directional, leaves, { allowUnused: true });
    const shiftedGradients = (sign: number) => T.tidy(() => gradientAt(
      inputs.map((input, k) => input.add(directions[k], sign * step)), false).grads.map(readFloat64));
    const plus = shiftedGradients(1);
    const minus = shiftedGradients(-1);
    let worst = 0;
    inputs.forEach((input, k) => {
      const numeric = plus[k].map((value, j) => (value - minus[k][j]) / (2 * step));
      const analytic = hessianTimesDirection[k] ? readFloat64(hessianTimesDirection[k]!) : new Float64Array(numeric.length);
      assertClose(analytic, numeric, `Hessian-vector product, input ${k} [${input.shape}]`,
        { absolute: options.absolute ?? 1e-5, relative: options.relative ?? 1e-4 });
      for (let j = 0; j < numeric.length; j++) worst = Math.max(worst, Math.abs(analytic[j] - numeric[j]));
    });
    return worst;
  });
}
