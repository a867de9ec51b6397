// Verdicts for the theory checks: a bound against a measurement (and the exact value when one is known),
// an equality against a Monte Carlo interval, or a deterministic equality to rounding.
//
// A verdict is *empirical* when the Monte Carlo interval decides it, *analytic* when the interval cannot
// resolve the bound and the independently derived exact value decides, and *deterministic* when both sides are
// computed in float64 without sampling. A measurement whose interval excludes the exact value is never a pass:
// it is a *disagreement* (our derivation or our sampler is wrong, or a rare event beat the interval).
import type { Estimate } from './stats.js';

export type Verdict =
  | 'holds' | 'exceeded' | 'inconclusive'
  | 'equality within CI' | 'equality rejected'
  | 'equal to rounding' | 'not equal'
  | 'disagreement';

export type Basis = 'empirical' | 'analytic' | 'deterministic';

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
  /** What decided the verdict: the Monte Carlo interval (empirical), the exact value because the interval
   * straddled the bound (analytic), or a deterministic computation. */
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
 * Bound check. First the measurement is checked against the exact value (when known): an interval that
 * excludes it is a 'disagreement', whatever the bound says. Otherwise the interval decides when it lies wholly
 * above (exceeded) or below (holds) the bound: an empirical verdict. When it straddles the bound, the exact value
 * decides (an analytic verdict), or the verdict is 'inconclusive' without one.
 */
export function judgeBound(measured: Estimate, bound: number, exact: number | null): { verdict: Verdict; basis: Basis } {
  if (exact !== null && !agrees(measured, exact, bound)) return { verdict: 'disagreement', basis: 'empirical' };
  if (measured.ciLow > bound) return { verdict: 'exceeded', basis: 'empirical' };
  if (measured.ciHigh <= bound) return { verdict: 'holds', basis: 'empirical' };
  if (exact === null) return { verdict: 'inconclusive', basis: 'empirical' };
  return { verdict: exact <= bound * (1 + 1e-12) ? 'holds' : 'exceeded', basis: 'analytic' };
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

/**
 * Equality check of a printed value when the exact value is also known: an interval that excludes the exact value
 * is a 'disagreement' (checked first), else the printed value is within the interval or rejected. `scale` sets the
 * float64 rounding slack (see agrees).
 */
export function judgeEqualityWithExact(measured: Estimate, predicted: number, exact: number | null, scale: number): Verdict {
  if (exact !== null && !agrees(measured, exact, scale)) return 'disagreement';
  return agrees(measured, predicted, scale) ? 'equality within CI' : 'equality rejected';
}

/** Deterministic equality up to float64 rounding: relative difference below tolerance. */
export function judgeRounding(relativeDifference: number, tolerance = 1e-10): Verdict {
  return relativeDifference <= tolerance ? 'equal to rounding' : 'not equal';
}

/** Whether a verdict contradicts the statement it checks (a disagreement contradicts our own derivation instead). */
export function isViolation(verdict: Verdict): boolean {
  return verdict === 'exceeded' || verdict === 'equality rejected' || verdict === 'not equal';
}

/** Whether a measurement contradicts the exact value derived here. */
export function isDisagreement(verdict: Verdict): boolean {
  return verdict === 'disagreement';
}
