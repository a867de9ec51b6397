// Density is the kept fraction of prunable weights. Users may give it directly, as a compression exponent x
// (density 10^-x, Synaptic-Flow's `--compression`) or as a sparsity (the pruned fraction): exactly one of them.

export interface DensitySpec {
  /** Kept fraction in (0, 1]. */
  density?: number;
  /** x ≥ 0 with density = 10^-x (x = 1, 1.301, 1.699 give 10 %, 5 %, 2 %). */
  compression?: number;
  /** Pruned fraction in [0, 1): density = 1 - sparsity. */
  sparsity?: number;
}

/** The kept fraction a spec names; throws a RangeError naming the bad field and value. */
export function resolveDensity(spec: DensitySpec): number {
  const given = (['density', 'compression', 'sparsity'] as const).filter((key) => spec[key] !== undefined);
  if (given.length === 0) throw new RangeError('pruning needs one of density, compression or sparsity');
  if (given.length > 1) {
    throw new RangeError(`pruning takes exactly one of density, compression or sparsity, got ${given.join(' and ')}`);
  }
  const key = given[0];
  const value = spec[key]!;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new RangeError(`${key} must be a finite number, got ${JSON.stringify(value)}`);
  }
  if (key === 'density') {
    if (!(value > 0 && value <= 1)) throw new RangeError(`density must lie in (0, 1] (the kept fraction), got ${value}`);
    return value;
  }
  if (key === 'compression') {
    if (!(value >= 0)) throw new RangeError(`compression must be ≥ 0 (density = 10^-compression), got ${value}`);
    const density = 10 ** -value;
    if (!(density > 0)) throw new RangeError(`compression ${value} gives density 0; it must give a density in (0, 1]`);
    return density;
  }
  if (!(value >= 0 && value < 1)) throw new RangeError(`sparsity must lie in [0, 1) (the pruned fraction), got ${value}`);
  return 1 - value;
}

/** How many of `total` weights a density keeps: round(density · total), at least 1 when total > 0. */
export function keepCount(density: number, total: number): number {
  if (total === 0) return 0;
  return Math.min(total, Math.max(1, Math.round(density * total)));
}

export type ScheduleName = 'exponential' | 'linear';
export const scheduleNames: readonly ScheduleName[] = ['exponential', 'linear'];

/**
 * Density after iteration k = 1..K: exponential density^(k/K) (SynFlow's schedule) or linear 1 - (1-density)·k/K.
 * The last entry is exactly `density`.
 */
export function scheduleDensities(density: number, iterations: number, schedule: ScheduleName = 'exponential'): number[] {
  if (!Number.isInteger(iterations) || iterations < 1) {
    throw new RangeError(`iterations must be a positive integer, got ${JSON.stringify(iterations)}`);
  }
  if (!scheduleNames.includes(schedule)) {
    throw new RangeError(`unknown schedule '${String(schedule)}'; expected one of ${scheduleNames.join(', ')}`);
  }
  return Array.from({ length: iterations }, (_, index) => {
    const k = index + 1;
    if (k === iterations) return density;
    return schedule === 'exponential' ? density ** (k / iterations) : 1 - (1 - density) * (k / iterations);
  });
}
