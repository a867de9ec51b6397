// Section 7 (Theorem 7.2): a wide two-layer network trained by full-batch gradient descent in the NTK regime, the
// sketch mask of Algorithm 1 with p_k ∝ ‖J(θ₀)₍ₖ₎‖·|θ₀ₖ| (the NTK-sketch scores), and the error of the masked
// linearized features E_m‖J(θ_t)θ_t − J(θ_t)(θ_t ⊙ m)‖² along training, with every constant of the theorem's
// bound computed from the run.
//
// Reading of the theorem (DESIGN.md §4 notation; the paper is ambiguous in places, see README):
// * NTK parametrization, f(x) = (1/√n)·Σ_j a_j·tanh(w_jᵀx/√d_in), θ = (vec W, a) ~ N(0, 1), one output, so
//   J(θ) ∈ R^{N×d} and the empirical kernel is Θ̂ = J Jᵀ (the paper writes both ∇f∇fᵀ and (1/n)JJᵀ; with JJᵀ
//   the proof's G.4 step ‖θ_t − θ₀‖ ≤ 3KR₀/λ_min holds without the n^{-1/2} of Lee et al.'s standard
//   parametrization). tanh keeps the Jacobian locally Lipschitz (assumption iv; ReLU's is not).
// * GD on ½‖f(X) − Y‖² with η = η_critical = 2/(λ_min + λ_max) of Θ̂₀ (the largest rate the theorem allows).
// * λ_min, λ_max: eigenvalues of Θ̂₀ (the run's estimate of the analytic kernel Θ); R₀ = ‖f₀(X) − Y‖;
//   K = max(1, max_t ‖J(θ_t)‖_F, max_t ‖J(θ_t) − J(θ₀)‖_F/‖θ_t − θ₀‖): the smallest K the run allows (the bound
//   grows with K, so a larger valid K only loosens it).
import { Tensor, cat, enableGrad, grad, randn, tensor, tidy } from '../torch/index.js';
import { sketchMasks } from './algorithm1.js';
import { expectedSketchError, sketchErrorVariance } from './error.js';
import { lemma43Bound } from './bounds.js';
import { meanWithCI, type Estimate } from './stats.js';
import { checkBudget, checkCount, checkMatrix, checkVector } from './validate.js';

/** Parameters are θ = (vec W row-major [width × inputDim], a [width]): d = width·(inputDim + 1). */
export interface TwoLayerShape { inputDim: number; width: number }

export function parameterCount(shape: TwoLayerShape): number {
  return shape.width * (shape.inputDim + 1);
}

function split(theta: Tensor, shape: TwoLayerShape): { W: Tensor; a: Tensor } {
  checkVector(theta, 'theta', parameterCount(shape), 'width·(inputDim + 1)');
  const { width, inputDim } = shape;
  return { W: theta.narrow(0, 0, width * inputDim).reshape([width, inputDim]), a: theta.narrow(0, width * inputDim, width) };
}

/** f(X; θ) = (1/√n)·tanh(X Wᵀ/√d_in)·a for the N rows of X ([N, inputDim]); float64, length N. */
export function twoLayerForward(theta: Tensor, X: Tensor, shape: TwoLayerShape): Tensor {
  checkMatrix(X, 'X');
  if (X.size(1) !== shape.inputDim) throw new RangeError(`X has ${X.size(1)} columns but inputDim is ${shape.inputDim}`);
  return tidy(() => {
    const { W, a } = split(theta.to('float64'), shape);
    const hidden = X.to('float64').mm(W.T).div(Math.sqrt(shape.inputDim)).tanh(); // [N, n]
    return hidden.mm(a.unsqueeze(1)).squeeze(1).div(Math.sqrt(shape.width));
  });
}

/**
 * J(θ) = ∂f(X; θ)/∂θ ∈ R^{N×d} in closed form: ∂f/∂a_j = tanh(h_ij)/√n and
 * ∂f/∂W_jl = a_j·(1 − tanh²(h_ij))·x_il/(√n·√d_in), with h_ij = w_jᵀx_i/√d_in.
 */
export function twoLayerJacobian(theta: Tensor, X: Tensor, shape: TwoLayerShape): Tensor {
  checkMatrix(X, 'X');
  if (X.size(1) !== shape.inputDim) throw new RangeError(`X has ${X.size(1)} columns but inputDim is ${shape.inputDim}`);
  return tidy(() => {
    const { width, inputDim } = shape;
    const X64 = X.to('float64');
    const N = X64.size(0);
    const { W, a } = split(theta.to('float64'), shape);
    const hidden = X64.mm(W.T).div(Math.sqrt(inputDim)).tanh(); // [N, n]
    const slope = hidden.square().rsub(1); // 1 − tanh²
    const scale = 1 / Math.sqrt(width * inputDim);
    const dW = slope.mul(a.unsqueeze(0)).unsqueeze(2).mul(X64.unsqueeze(1)).mul(scale).reshape([N, width * inputDim]);
    const da = hidden.div(Math.sqrt(width));
    return cat([dW, da], 1);
  });
}

/** The same Jacobian by autograd, one output at a time (an independent computation, for tests). */
export function twoLayerJacobianAutograd(theta: Tensor, X: Tensor, shape: TwoLayerShape): Tensor {
  return tidy(() => enableGrad(() => {
    const leaf = theta.to('float64').detach().requiresGrad_(true);
    const outputs = twoLayerForwardGraph(leaf, X.to('float64'), shape);
    const rows: Tensor[] = [];
    for (let i = 0; i < outputs.size(0); i++) {
      const [row] = grad(outputs.select(0, i), [leaf], { retainGraph: true });
      rows.push(row!);
    }
    return rows.length === 1 ? rows[0].unsqueeze(0) : cat(rows.map((row) => row.unsqueeze(0)), 0);
  }));
}

function twoLayerForwardGraph(theta: Tensor, X: Tensor, shape: TwoLayerShape): Tensor {
  const { W, a } = split(theta, shape);
  return X.mm(W.T).div(Math.sqrt(shape.inputDim)).tanh().mm(a.unsqueeze(1)).squeeze(1).div(Math.sqrt(shape.width));
}

/** Eigenvalues of a symmetric matrix (cyclic Jacobi rotations, float64), ascending. For the N×N kernel Θ̂. */
export function symmetricEigenvalues(matrix: readonly (readonly number[])[]): number[] {
  const size = matrix.length;
  const A = matrix.map((row) => {
    if (row.length !== size) throw new RangeError(`matrix must be square, got a row of ${row.length} in a ${size}-row matrix`);
    return [...row];
  });
  for (let i = 0; i < size; i++) {
    for (let j = 0; j < i; j++) {
      const gap = Math.abs(A[i][j] - A[j][i]);
      if (gap > 1e-9 * (Math.abs(A[i][j]) + Math.abs(A[j][i]) + 1e-300)) throw new RangeError(`matrix is not symmetric at (${i}, ${j})`);
    }
  }
  const offDiagonal = () => { let total = 0; for (let i = 0; i < size; i++) for (let j = 0; j < size; j++) if (i !== j) total += A[i][j] ** 2; return total; };
  const scale = A.reduce((total, row) => total + row.reduce((sum, value) => sum + value * value, 0), 0);
  for (let sweep = 0; sweep < 100 && offDiagonal() > 1e-30 * scale; sweep++) {
    for (let p = 0; p < size - 1; p++) {
      for (let q = p + 1; q < size; q++) {
        if (A[p][q] === 0) continue;
        const theta = (A[q][q] - A[p][p]) / (2 * A[p][q]);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < size; k++) {
          const kp = A[k][p];
          const kq = A[k][q];
          A[k][p] = c * kp - s * kq;
          A[k][q] = s * kp + c * kq;
        }
        for (let k = 0; k < size; k++) {
          const pk = A[p][k];
          const qk = A[q][k];
          A[p][k] = c * pk - s * qk;
          A[q][k] = s * pk + c * qk;
        }
      }
    }
  }
  return A.map((row, i) => row[i]).sort((x, y) => x - y);
}

export interface NtkOptions {
  /** N training examples (default 16). */
  examples?: number;
  inputDim?: number;
  /** Hidden width n (default 1024). */
  width?: number;
  /** GD steps (default 100). */
  steps?: number;
  /** Sketch budget s as a fraction of d (default 0.1). */
  budgetFraction?: number;
  /** Algorithm 1 masks for the Monte Carlo measurement (drawn once, at θ₀; default 200). */
  masks?: number;
  /** Measure every this many steps (and at the last; default 10): the masks' errors, the exact E_m, ‖J_t‖_F, ‖θ_t − θ₀‖
   * (the residual is recorded at every step). */
  measureEvery?: number;
  z?: number;
}

/** One point of the training trajectory. */
export interface NtkPoint {
  step: number;
  /** ‖f_t(X) − Y‖. */
  residual: number;
  /** ‖θ_t − θ₀‖₂ and ‖θ_t − θ₀‖₁. */
  distance: number;
  distanceL1: number;
  /** ‖J(θ_t)‖_F and ‖J(θ_t) − J(θ₀)‖_F. */
  jacobianNorm: number;
  jacobianChange: number;
  /** Exact E_m‖J_tθ_t − J_t(θ_t⊙m)‖² (error.ts, with X = J_tᵀ, w = θ_t, p = p₀); NaN between measured steps, as
   * are lemma43 and featureNorm. */
  exact: number;
  /** Lemma 4.3 at time t (the proof's first step): (1/s)Σ_k [Σ_j‖J₀₍ⱼ₎‖|θ₀ⱼ|]/(‖J₀₍ₖ₎‖|θ₀ₖ|)·‖J_t₍ₖ₎‖²θ_tk². */
  lemma43: number;
  /** ‖J_tθ_t‖², the linearized features' squared norm (for scale). */
  featureNorm: number;
  /** The mean over the masks of the realized error, with its interval (exact per-mask sd), where measured. */
  measured: Estimate | null;
}

export interface NtkConstants {
  d: number; s: number; N: number; width: number; inputDim: number; steps: number; learningRate: number;
  lambdaMin: number; lambdaMax: number; etaCritical: number;
  /** K and what set it. */
  K: number; maxJacobianNorm: number; maxLipschitzRatio: number;
  R0: number;
  thetaL1: number;
  /** F(J(θ₀)) = Σ_k 1/‖J₀₍ₖ₎‖ and F(θ₀) = Σ_k 1/|θ₀ₖ|. */
  FJ0: number; Ftheta0: number;
}

export interface NtkRun {
  constants: NtkConstants;
  trajectory: NtkPoint[];
  /** The printed right-hand side: (1/s)K³‖θ₀‖₁F(J₀)(‖θ₀‖₁ + F(θ₀)·9K⁴R₀²/λ² + 6√d·K³R₀/λ). */
  printedBound: number;
  /** What the proof's steps give: (1/s)K³‖θ₀‖₁F(J₀)(‖θ₀‖₁ + F(θ₀)·9K²R₀²/λ² + 6√d·KR₀/λ). */
  proofBound: number;
  /** The G.4 premise used by the proof: ‖θ_t − θ₀‖ ≤ 3KR₀/λ_min. */
  distanceBound: number;
  /** max_{t≥1} ‖g_t‖ / ((1 − ηλ_min/3)^t·R₀): ≤ 1 when G.4's residual decay holds on this run (t = 0 is 1 by R₀'s definition). */
  residualDecayRatio: number;
}

/** The printed bound and the proof's bound of Theorem 7.2 from the constants. */
export function theorem72Bounds(c: Pick<NtkConstants, 'K' | 'thetaL1' | 'FJ0' | 'Ftheta0' | 'R0' | 'lambdaMin' | 'd' | 's'>)
  : { printed: number; proof: number } {
  const { K, thetaL1, FJ0, Ftheta0, R0, lambdaMin: lambda, d, s } = c;
  const front = (K ** 3 * thetaL1 * FJ0) / s;
  return {
    printed: front * (thetaL1 + Ftheta0 * 9 * K ** 4 * R0 ** 2 / lambda ** 2 + 6 * Math.sqrt(d) * K ** 3 * R0 / lambda),
    proof: front * (thetaL1 + Ftheta0 * 9 * K ** 2 * R0 ** 2 / lambda ** 2 + 6 * Math.sqrt(d) * K * R0 / lambda),
  };
}

/** Inputs on the sphere of radius √d_in (compact, distinct: assumption iii) and targets y = sin(2vᵀx/√d_in). */
export function ntkData(examples: number, inputDim: number): { X: Tensor; Y: Tensor } {
  checkCount(examples, 'examples');
  checkCount(inputDim, 'inputDim');
  return tidy(() => {
    const raw = randn([examples, inputDim], { dtype: 'float64' });
    const X = raw.div(raw.norm(2, 1, true)).mul(Math.sqrt(inputDim));
    const v = randn([inputDim], { dtype: 'float64' });
    const projections = X.mm(v.unsqueeze(1)).squeeze(1).mul(2 / Math.sqrt(inputDim)).toArray();
    const Y = tensor(Float64Array.from(projections, Math.sin), [examples], { dtype: 'float64' });
    return { X, Y };
  });
}

/** Trains the network and measures the masked linearized features' error along the way. */
export function theorem72Run(options: NtkOptions = {}): NtkRun {
  const N = checkCount(options.examples ?? 16, 'examples');
  const inputDim = checkCount(options.inputDim ?? 4, 'inputDim');
  const width = checkCount(options.width ?? 1024, 'width');
  const steps = checkCount(options.steps ?? 100, 'steps');
  const maskCount = checkCount(options.masks ?? 200, 'masks', 2);
  const every = checkCount(options.measureEvery ?? 10, 'measureEvery');
  const z = options.z ?? 3;
  const fraction = options.budgetFraction ?? 0.1;
  if (!(fraction > 0 && fraction <= 10)) throw new RangeError(`budgetFraction must be in (0, 10], got ${fraction}`);
  const shape = { inputDim, width };
  const d = parameterCount(shape);
  const s = checkBudget(Math.max(1, Math.round(fraction * d)));
  return tidy(() => {
    const { X, Y } = ntkData(N, inputDim);
    const theta0 = randn([d], { dtype: 'float64' });
    const J0 = twoLayerJacobian(theta0, X, shape);
    const kernel = J0.mm(J0.T);
    const rows = Array.from({ length: N }, (_, i) => kernel.select(0, i).toArray());
    const eigenvalues = symmetricEigenvalues(rows);
    const lambdaMin = eigenvalues[0];
    const lambdaMax = eigenvalues[N - 1];
    const etaCritical = 2 / (lambdaMin + lambdaMax);
    const eta = etaCritical;
    const columnNorms0 = J0.norm(2, 0); // ‖J₀₍ₖ₎‖
    const p0 = columnNorms0.mul(theta0.abs());
    const masks = sketchMasks(p0, s, maskCount); // [R, d], drawn once at θ₀
    const R0 = twoLayerForward(theta0, X, shape).sub(Y).norm().item();

    const J0T = J0.T.contiguous();
    const trajectory: NtkPoint[] = [];
    let theta = theta0.clone();
    for (let step = 0; step <= steps; step++) {
      const next = tidy(() => {
        const J = twoLayerJacobian(theta, X, shape);
        const residual = twoLayerForward(theta, X, shape).sub(Y);
        const drift = theta.sub(theta0);
        const cheap = {
          step, residual: residual.norm().item(), distance: drift.norm().item(), distanceL1: drift.abs().sum().item(),
          jacobianNorm: J.norm().item(), jacobianChange: J.sub(J0).norm().item(),
        };
        if (step % every === 0 || step === steps) {
          const JT = J.T.contiguous(); // [d, N]: the "X" of Section 4, one row per parameter
          const errors = J.mm(masks.sub(1).mul(theta.unsqueeze(0)).T).square().sum(0).toArray(); // [R]
          const sample = meanWithCI(errors, z);
          const sd = Math.sqrt(sketchErrorVariance(JT, theta, p0, s));
          const se = sd / Math.sqrt(maskCount);
          trajectory.push({
            ...cheap,
            exact: expectedSketchError(JT, theta, p0, s).expected,
            lemma43: lemma43Bound(JT, J0T, theta0, theta, s),
            featureNorm: J.mm(theta.unsqueeze(1)).square().sum().item(),
            measured: { ...sample, sd, se, ciLow: sample.mean - z * se, ciHigh: sample.mean + z * se },
          });
        } else {
          trajectory.push({ ...cheap, exact: NaN, lemma43: NaN, featureNorm: NaN, measured: null });
        }
        if (step === steps) return theta;
        return theta.sub(J.T.mm(residual.unsqueeze(1)).squeeze(1).mul(eta));
      });
      if (next !== theta) { theta.dispose(); theta = next; }
    }
    const maxJacobianNorm = Math.max(...trajectory.map((point) => point.jacobianNorm));
    const maxLipschitzRatio = Math.max(0, ...trajectory.filter((point) => point.distance > 0)
      .map((point) => point.jacobianChange / point.distance));
    const K = Math.max(1, maxJacobianNorm, maxLipschitzRatio);
    const constants: NtkConstants = {
      d, s, N, width, inputDim, steps, learningRate: eta, lambdaMin, lambdaMax, etaCritical,
      K, maxJacobianNorm, maxLipschitzRatio, R0,
      thetaL1: theta0.abs().sum().item(),
      FJ0: columnNorms0.reciprocal().sum().item(),
      Ftheta0: theta0.abs().reciprocal().sum().item(),
    };
    const bounds = theorem72Bounds(constants);
    const decay = (step: number) => (1 - eta * lambdaMin / 3) ** step * R0;
    return {
      constants, trajectory, printedBound: bounds.printed, proofBound: bounds.proof,
      distanceBound: 3 * K * R0 / lambdaMin,
      residualDecayRatio: Math.max(...trajectory.slice(1).map((point) => point.residual / decay(point.step))),
    };
  });
}
