// Statistical helpers for the data/ tests: confidence bounds stated as z-scores.

/** z for a two-sided test at about 1 in 10^6 false failures. */
export const Z = 5;

/** Upper quantile of χ²_k at one-sided z (Wilson–Hilferty; accurate to a few percent for k ≥ 3). */
export function chiSquareQuantile(k: number, z = Z): number {
  const a = 2 / (9 * k);
  return k * (1 - a + z * Math.sqrt(a)) ** 3;
}

/** Pearson's χ² statistic of observed counts against equal expected counts. */
export function uniformChiSquare(counts: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i];
  const expected = total / counts.length;
  let statistic = 0;
  for (let i = 0; i < counts.length; i++) statistic += (counts[i] - expected) ** 2 / expected;
  return statistic;
}

export function meanOf(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  return sum / values.length;
}

/** Population variance. */
export function varianceOf(values: ArrayLike<number>): number {
  const mean = meanOf(values);
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += (values[i] - mean) ** 2;
  return sum / values.length;
}

/**
 * Asserts that a sample mean is within z standard errors of `expected`, where `variance` is the population
 * variance of one draw and `count` the sample size.
 */
export function assertMeanNear(actual: number, expected: number, variance: number, count: number, label: string, z = Z): void {
  const bound = z * Math.sqrt(variance / count);
  if (!(Math.abs(actual - expected) <= bound)) {
    throw new Error(`${label}: sample mean ${actual} differs from ${expected} by more than ${bound} (${z} standard errors)`);
  }
}
