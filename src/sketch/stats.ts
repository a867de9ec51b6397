// Small statistics helpers on plain numbers: Monte Carlo means with confidence intervals, the χ mean,
// and the standard normal quantile (for Bonferroni-corrected intervals).

/** A Monte Carlo estimate: mean ± z·sd/√reps. */
export interface Estimate {
  mean: number;
  /** Sample standard deviation of one repetition (Bessel-corrected). */
  sd: number;
  /** Standard error of the mean, sd/√reps. */
  se: number;
  ciLow: number;
  ciHigh: number;
  reps: number;
  z: number;
}

/** Mean and a normal-approximation confidence interval of i.i.d. samples. */
export function meanWithCI(samples: ArrayLike<number>, z = 3): Estimate {
  const reps = samples.length;
  if (reps < 2) throw new RangeError(`meanWithCI: need at least 2 samples, got ${reps}`);
  if (!(z > 0)) throw new RangeError(`meanWithCI: z must be positive, got ${z}`);
  let mean = 0;
  for (let i = 0; i < reps; i++) mean += samples[i];
  mean /= reps;
  let squares = 0;
  for (let i = 0; i < reps; i++) squares += (samples[i] - mean) ** 2;
  const sd = Math.sqrt(squares / (reps - 1));
  const se = sd / Math.sqrt(reps);
  return { mean, sd, se, ciLow: mean - z * se, ciHigh: mean + z * se, reps, z };
}

/** Whether value lies inside the estimate's interval. */
export function withinCI(estimate: Estimate, value: number): boolean {
  return value >= estimate.ciLow && value <= estimate.ciHigh;
}

/**
 * E‖X₍ₖ₎‖ for a row of n i.i.d. N(0, 1/n) entries: √(2/n)·Γ((n+1)/2)/Γ(n/2) (the χ_n mean over √n).
 * The Gamma ratio follows r(1) = 1/√π, r(m+1) = (m/2)/r(m), which stays well scaled for any n.
 */
export function chiRowNormMean(n: number): number {
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`chiRowNormMean: n must be a positive integer, got ${n}`);
  let ratio = 1 / Math.sqrt(Math.PI);
  for (let m = 1; m < n; m++) ratio = (m / 2) / ratio;
  return Math.sqrt(2 / n) * ratio;
}

/** Standard normal quantile Φ⁻¹(probability) (Acklam's rational approximation, relative error < 1.2e-9). */
export function normalQuantile(probability: number): number {
  if (!(probability > 0 && probability < 1)) throw new RangeError(`normalQuantile: need 0 < p < 1, got ${probability}`);
  const a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02,
    -3.066479806614716e+01, 2.506628277459239e+00];
  const b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01,
    -1.328068155288572e+01];
  const c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00,
    4.374664141464968e+00, 2.938163982698783e+00];
  const d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00];
  const low = 0.02425;
  if (probability < low) {
    const q = Math.sqrt(-2 * Math.log(probability));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
      ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (probability > 1 - low) return -normalQuantile(1 - probability);
  const q = probability - 0.5;
  const r = q * q;
  return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
    (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/** Two-sided z for `tests` simultaneous intervals at family-wise level alpha (Bonferroni). */
export function bonferroniZ(tests: number, alpha = 0.01): number {
  return normalQuantile(1 - alpha / (2 * tests));
}
