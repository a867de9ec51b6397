import { test } from 'node:test';
import assert from 'node:assert/strict';
import { manualSeed, randn, tensor, tidy } from '../../src/torch/index.js';
import {
  expectedSketchError, monteCarloSketchError, ntkData, parameterCount, symmetricEigenvalues, theorem72Bounds,
  theorem72Run, twoLayerForward, twoLayerJacobian, twoLayerJacobianAutograd,
} from '../../src/sketch/index.js';

const relative = (a: number[], b: number[]) =>
  Math.max(...a.map((value, i) => Math.abs(value - b[i]))) / Math.max(...b.map(Math.abs));

test('the closed-form Jacobian equals autograd and central finite differences', () => tidy(() => {
  manualSeed(3);
  const shape = { inputDim: 5, width: 7 };
  const { X } = ntkData(4, 5);
  const theta = randn([parameterCount(shape)], { dtype: 'float64' });
  const J = twoLayerJacobian(theta, X, shape);
  assert.deepEqual(J.shape, [4, 42]);
  assert.ok(relative(J.flatten().toArray(), twoLayerJacobianAutograd(theta, X, shape).flatten().toArray()) < 1e-12);
  // Directional derivative J·v against (f(θ + εv) − f(θ − εv)) / 2ε, and single coordinates (one weight of W, one of a).
  const epsilon = 1e-6;
  for (const direction of [randn([42], { dtype: 'float64' }), basis(42, 3), basis(42, 40)]) {
    const analytic = J.mm(direction.unsqueeze(1)).squeeze(1).toArray();
    const numeric = twoLayerForward(theta.add(direction.mul(epsilon)), X, shape)
      .sub(twoLayerForward(theta.sub(direction.mul(epsilon)), X, shape)).div(2 * epsilon).toArray();
    assert.ok(relative(numeric, analytic) < 1e-7, `${numeric} vs ${analytic}`);
  }
}));

function basis(d: number, k: number) {
  const values = new Float64Array(d);
  values[k] = 1;
  return tensor(values, [d], { dtype: 'float64' });
}

test('symmetric eigenvalues: 2×2 closed form, a known spectrum, and trace/Frobenius identities', () => {
  const [low, high] = symmetricEigenvalues([[2, 1], [1, 3]]);
  assert.ok(Math.abs(low - (5 - Math.sqrt(5)) / 2) < 1e-14 && Math.abs(high - (5 + Math.sqrt(5)) / 2) < 1e-14);
  // Q·diag(λ)·Qᵀ with Q = I − 2uuᵀ (a Householder reflection) has spectrum λ.
  const lambda = [0.001, 0.5, 2, 7, 30];
  const u = [1, -2, 0.5, 3, 1];
  const norm = Math.hypot(...u);
  const Q = u.map((ui, i) => u.map((uj, j) => (i === j ? 1 : 0) - 2 * ui * uj / norm ** 2));
  const A = Q.map((_, i) => Q.map((__, j) => lambda.reduce((sum, l, k) => sum + Q[i][k] * l * Q[j][k], 0)));
  const found = symmetricEigenvalues(A);
  found.forEach((value, i) => assert.ok(Math.abs(value - lambda[i]) < 1e-12 * 30, `${value} vs ${lambda[i]}`));
  assert.throws(() => symmetricEigenvalues([[1, 2], [0, 1]]), /not symmetric/);
});

test('Theorem 7.2 bounds: the printed and the proof\'s constants, by hand', () => {
  const c = { K: 2, thetaL1: 3, FJ0: 5, Ftheta0: 7, R0: 11, lambdaMin: 0.5, d: 16, s: 4 };
  const front = (8 * 3 * 5) / 4; // K³‖θ₀‖₁F(J₀)/s = 30
  const printed = front * (3 + 7 * 9 * 16 * 121 / 0.25 + 6 * 4 * 8 * 11 / 0.5);
  const proof = front * (3 + 7 * 9 * 4 * 121 / 0.25 + 6 * 4 * 2 * 11 / 0.5);
  const bounds = theorem72Bounds(c);
  assert.ok(Math.abs(bounds.printed - printed) < 1e-9 * printed);
  assert.ok(Math.abs(bounds.proof - proof) < 1e-9 * proof);
  assert.ok(bounds.printed > bounds.proof, 'K > 1: the printed constants are looser than the proof\'s');
});

test('the training run: constants, exact E_m at θ₀ (Lemma 4.1 on the Jacobian), Monte Carlo agreement, GD premises', () => tidy(() => {
  const options = { examples: 6, inputDim: 3, width: 48, steps: 30, masks: 400, measureEvery: 10, budgetFraction: 0.2 };
  manualSeed(11);
  const run = theorem72Run(options);
  // Re-create X, Y, θ₀ from the same seed (the run draws data first, then θ₀) and recompute independently.
  manualSeed(11);
  const shape = { inputDim: 3, width: 48 };
  const d = parameterCount(shape);
  const { X, Y } = ntkData(6, 3);
  const theta0 = randn([d], { dtype: 'float64' });
  const J0 = twoLayerJacobian(theta0, X, shape);
  const c = run.constants;
  assert.equal(c.d, d);
  assert.equal(c.s, Math.round(0.2 * d));
  const columnNorms = J0.norm(2, 0).toArray();
  const theta = theta0.toArray();
  const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 1e-10 * Math.abs(b), `${what}: ${a} vs ${b}`);
  close(c.thetaL1, theta.reduce((sum, value) => sum + Math.abs(value), 0), '‖θ₀‖₁');
  close(c.FJ0, columnNorms.reduce((sum, value) => sum + 1 / value, 0), 'F(J₀)');
  close(c.Ftheta0, theta.reduce((sum, value) => sum + 1 / Math.abs(value), 0), 'F(θ₀)');
  close(c.R0, twoLayerForward(theta0, X, shape).sub(Y).norm().item(), 'R₀');
  // λ_min, λ_max of Θ̂₀ = J₀J₀ᵀ: their sum is at most the trace, and η is 2/(λ_min + λ_max).
  const trace = J0.square().sum().item();
  assert.ok(c.lambdaMin > 0 && c.lambdaMin <= c.lambdaMax && c.lambdaMax <= trace);
  close(c.learningRate, 2 / (c.lambdaMin + c.lambdaMax), 'η');
  // At t = 0 with p₀ ∝ ‖J₀₍ₖ₎‖|θ₀ₖ| (Eq. 2 on X = J₀ᵀ), the exact error is Lemma 4.1's closed form.
  const weighted = columnNorms.reduce((sum, value, k) => sum + value * Math.abs(theta[k]), 0);
  const features = J0.mm(theta0.unsqueeze(1)).square().sum().item();
  close(run.trajectory[0].exact, (weighted ** 2 - features) / c.s, 'E_m at t = 0');
  // K is at least every ‖J(θ_t)‖_F and > 1; the bounds are those of theorem72Bounds.
  assert.ok(c.K >= 1 && run.trajectory.every((point) => point.jacobianNorm <= c.K));
  close(run.printedBound, theorem72Bounds(c).printed, 'printed bound');
  // The masks' mean agrees with the exact E_m at every measured step, and the Lemma 4.3 step bounds it.
  const measured = run.trajectory.filter((point) => point.measured);
  assert.deepEqual(measured.map((point) => point.step), [0, 10, 20, 30]);
  for (const point of measured) {
    assert.ok(point.exact >= point.measured!.ciLow && point.exact <= point.measured!.ciHigh, `t=${point.step}`);
    assert.ok(point.exact <= point.lemma43 * (1 + 1e-12));
  }
  // GD decreases the residual; the parameters stay within G.4's distance bound.
  assert.ok(run.trajectory.at(-1)!.residual < 0.5 * c.R0);
  assert.ok(Math.max(...run.trajectory.map((point) => point.distance)) <= run.distanceBound);
}));

test('the exact E_m on a trained network\'s Jacobian equals a large Monte Carlo over Algorithm 1 masks', () => tidy(() => {
  manualSeed(12);
  const shape = { inputDim: 3, width: 20 };
  const d = parameterCount(shape);
  const { X } = ntkData(5, 3);
  const theta0 = randn([d], { dtype: 'float64' });
  const theta = theta0.add(randn([d], { dtype: 'float64' }).mul(0.3)); // θ_t ≠ θ₀: the mask's p comes from θ₀
  const p0 = twoLayerJacobian(theta0, X, shape).norm(2, 0).mul(theta0.abs());
  const JT = twoLayerJacobian(theta, X, shape).T.contiguous();
  const exact = expectedSketchError(JT, theta, p0, 15).expected;
  const estimate = monteCarloSketchError(JT, theta, p0, 15, { reps: 20000, z: 4, interval: 'exact' });
  assert.ok(exact >= estimate.ciLow && exact <= estimate.ciHigh, `${exact} vs [${estimate.ciLow}, ${estimate.ciHigh}]`);
  assert.ok(estimate.ciHigh - estimate.ciLow < 0.5 * exact, 'the interval is informative');
}));
