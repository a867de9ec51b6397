// Monte Carlo estimate of E_m‖Xᵀw − Xᵀ(w⊙m)‖² by drawing Algorithm 1 masks, in memory-bounded chunks.
import { Tensor, tidy } from '../torch/index.js';
import { sketchMasks } from './algorithm1.js';
import { maskedFeatureError, sketchErrorVariance } from './error.js';
import { meanWithCI, type Estimate } from './stats.js';
import { checkBudget, checkCount, checkMatrix, checkProbabilities, checkVector } from './validate.js';

export interface MonteCarloOptions {
  /** Number of independent masks (default 1000). */
  reps?: number;
  /** Interval half-width in standard errors (default 3). */
  z?: number;
  /** Upper bound on mask elements held at once (default 4·10⁶). */
  chunkElements?: number;
  /**
   * Which standard deviation sets the interval: 'sample' (default; the usual estimate) or 'exact' (the exact
   * per-mask sd from sketchErrorVariance; with it, mean ± z·sd/√R covers the true mean with probability
   * ≥ 1 − 1/z² by Chebyshev, even for heavy-tailed errors where the sample sd underestimates).
   */
  interval?: 'sample' | 'exact';
}

export interface MonteCarloError extends Estimate {
  /** Mean ‖m‖₀ over the drawn masks. */
  meanKeepCount: number;
  /** The sample standard deviation of one mask's error. */
  sampleSd: number;
  /** The exact standard deviation of one mask's error (sketchErrorVariance). */
  exactSd: number;
  /** Which one set the interval. */
  interval: 'sample' | 'exact';
}

export function monteCarloSketchError(X: Tensor, w: Tensor, p: Tensor, s: number,
  options: MonteCarloOptions = {}): MonteCarloError {
  const matrix = checkMatrix(X, 'X');
  const d = matrix.size(0);
  checkVector(w, 'w', d, 'd (the number of rows of X)');
  checkBudget(s);
  const reps = checkCount(options.reps ?? 1000, 'reps', 2);
  const chunk = Math.max(1, Math.floor((options.chunkElements ?? 4_000_000) / d));
  const errors: number[] = [];
  let keepTotal = 0;
  tidy(() => {
    const probabilities = checkProbabilities(p, 'p', d);
    const X64 = matrix.to('float64');
    const w64 = w.to('float64');
    for (let done = 0; done < reps; done += chunk) {
      tidy(() => {
        const masks = sketchMasks(probabilities, s, Math.min(chunk, reps - done));
        errors.push(...maskedFeatureError(X64, w64, masks));
        keepTotal += masks.countNonzero().item();
      });
    }
  });
  const z = options.z ?? 3;
  const interval = options.interval ?? 'sample';
  if (interval !== 'sample' && interval !== 'exact') {
    throw new RangeError(`interval must be 'sample' or 'exact', got ${JSON.stringify(interval)}`);
  }
  const sample = meanWithCI(errors, z);
  const exactSd = Math.sqrt(sketchErrorVariance(matrix, w, p, s));
  const sd = interval === 'exact' ? exactSd : sample.sd;
  const se = sd / Math.sqrt(reps);
  return {
    ...sample, sd, se, ciLow: sample.mean - z * se, ciHigh: sample.mean + z * se,
    meanKeepCount: keepTotal / reps, sampleSd: sample.sd, exactSd, interval,
  };
}
