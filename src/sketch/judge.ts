// Verdicts for the theory checks: a bound against a measurement (and the exact value when one is known),
// an equality against a Monte Carlo interval, or a deterministic equality to rounding.
import type { Estimate } from './stats.js';

export type Verdict =
  | 'holds' | 'exceeded' | 'inconclusive'
  | 'equality within CI' | 'equality rejected'
  | 'equal to rounding' | 'not equal';

export type Basis = 'monte-carlo' | 'exact' | 'deterministic';

export interface StatementCheck {
  /** Which statement of the paper, e.g. "Lemma 4.2". */
  statement: string;
  /** The claim as printed, in words and symbols. */
  claim: string;
  /** What was drawn: data, w⁰, w⋆, the mask's data. */
  scenario: string;
  params: Record<string, number | string>;
  relation: 'equality' | 'upper bound' | 'comparison';
  /** The Monte Carlo measurement (null for deterministic checks). */
  measured: Estimate | null;
  /** How `measured` was obtained. */
  measuredBy: string;
  /** The right-hand side as stated (a value or a bound). */
  predicted: number;
  /** The exact expectation, derived independently (null if not known). */
  exact: number | null;
  /** measured.mean / predicted (exact / predicted for deterministic checks). */
  ratio: number;
  verdict: Verdict;
  /** What decided the verdict: the Monte Carlo interval, the exact value (interval straddled the bound), or a
   * deterministic computation. */
  basis: Basis;
  /** Whether the exact value lies inside the Monte Carlo interval (a check on the derivation); null if n/a. */
  exactWithinCI: boolean | null;
  /** Why a statement is exceeded or rejected (which assumption or proof step breaks). */
  explanation?: string;
  /** A second, independent measurement (joint Monte Carlo over X and m), when one was made. */
  jointMeasurement?: Estimate;
  /** Extra numbers that explain the verdict. */
  details?: Record<string, number | string | boolean | null>;
}

/**
 * Bound check: exceeded if the whole interval lies above, holds if it lies below; else decided by `exact`.
 * When the exact value is known and lies outside the interval, the Monte Carlo mean missed it (heavy-tailed
 * errors: the interval covers with probability ≥ 1 − 1/z² only), so the exact value decides.
 */
export function judgeBound(measured: Estimate, bound: number, exact: number | null): { verdict: Verdict; basis: Basis } {
  const missed = exact !== null && !agrees(measured, exact, bound);
  if (missed) return { verdict: exact <= bound * (1 + 1e-12) ? 'holds' : 'exceeded', basis: 'exact' };
  if (measured.ciLow > bound) return { verdict: 'exceeded', basis: 'monte-carlo' };
  if (measured.ciHigh <= bound) return { verdict: 'holds', basis: 'monte-carlo' };
  if (exact === null) return { verdict: 'inconclusive', basis: 'monte-carlo' };
  return { verdict: exact <= bound * (1 + 1e-12) ? 'holds' : 'exceeded', basis: 'exact' };
}

/**
 * Whether value lies in the interval, widened by float64 rounding relative to `scale` (1e-9·|scale|): an error
 * that is exactly 0 is computed as ±1e−19 and must still count as agreeing with 0.
 */
export function agrees(measured: Estimate, value: number, scale: number): boolean {
  const slack = Number.isFinite(scale) ? 1e-9 * Math.abs(scale) : 0;
  return value >= measured.ciLow - slack && value <= measured.ciHigh + slack;
}

/** Equality check against a Monte Carlo interval. */
export function judgeEquality(measured: Estimate, predicted: number): Verdict {
  return predicted >= measured.ciLow && predicted <= measured.ciHigh ? 'equality within CI' : 'equality rejected';
}

/** Deterministic equality up to float64 rounding: relative difference below tolerance. */
export function judgeRounding(relativeDifference: number, tolerance = 1e-10): Verdict {
  return relativeDifference <= tolerance ? 'equal to rounding' : 'not equal';
}

/** Whether a verdict contradicts the statement it checks. */
export function isViolation(verdict: Verdict): boolean {
  return verdict === 'exceeded' || verdict === 'equality rejected' || verdict === 'not equal';
}
