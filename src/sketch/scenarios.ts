// Random data and weight vectors for the theory checks: X with N(0, 1/n) entries, initial weights w⁰, and
// final weights w⋆ at a chosen distance from w⁰ (dense drift, or drift concentrated on small or large |w⁰|).
import { Tensor, ones, randn, randperm, tidy, where, zeros } from '../torch/index.js';
import { checkVector } from './validate.js';

/** X ∈ R^{d×n} with i.i.d. N(0, 1/n) entries (the paper's data model), float64. */
export function gaussianData(d: number, n: number): Tensor {
  checkPositive(d, 'd');
  checkPositive(n, 'n');
  return tidy(() => randn([d, n], { dtype: 'float64' }).div(Math.sqrt(n)));
}

/** w⁰ with i.i.d. N(0, 1) entries, or only `nonzeros` of them non-zero (at random positions). */
export function gaussianWeights(d: number, nonzeros = d): Tensor {
  checkPositive(d, 'd');
  if (!Number.isSafeInteger(nonzeros) || nonzeros < 1 || nonzeros > d) {
    throw new RangeError(`nonzeros must be an integer in [1, ${d}], got ${nonzeros}`);
  }
  return tidy(() => {
    const values = randn([d], { dtype: 'float64' });
    if (nonzeros === d) return values;
    const keep = indicator(d, randperm(d).narrow(0, 0, nonzeros));
    return values.mul(keep);
  });
}

/** Where a drift goes: every entry, the smallest |w⁰| entries, or the largest |w⁰| entries. */
export type DriftKind = 'dense' | 'smallest' | 'largest';

export interface DriftSpec {
  kind: DriftKind;
  /** ‖w⋆ − w⁰‖ / ‖w⁰‖. */
  relativeSize: number;
  /** For 'smallest'/'largest': the fraction of entries that move (default 0.05, at least one entry). */
  fraction?: number;
}

/** w⋆ = w⁰ + δ with δ Gaussian on the chosen entries, scaled to ‖δ‖ = relativeSize·‖w⁰‖. */
export function driftedWeights(w0: Tensor, spec: DriftSpec): Tensor {
  checkVector(w0, 'w0');
  if (!(spec.relativeSize >= 0) || !Number.isFinite(spec.relativeSize)) {
    throw new RangeError(`relativeSize must be a finite number ≥ 0, got ${spec.relativeSize}`);
  }
  if (!['dense', 'smallest', 'largest'].includes(spec.kind)) {
    throw new RangeError(`drift kind must be dense, smallest or largest, got ${JSON.stringify(spec.kind)}`);
  }
  const fraction = spec.fraction ?? 0.05;
  if (!(fraction > 0 && fraction <= 1)) throw new RangeError(`fraction must be in (0, 1], got ${fraction}`);
  return tidy(() => {
    const w064 = w0.to('float64');
    const d = w064.size(0);
    let direction = randn([d], { dtype: 'float64' });
    if (spec.kind !== 'dense') {
      const count = Math.max(1, Math.round(fraction * d));
      // Among the non-zero entries of w⁰ for 'smallest' (a zero entry is not "small", it is never sampled).
      const magnitude = w064.abs();
      const key = spec.kind === 'smallest' ? where(magnitude.eq(0), Infinity, magnitude) : magnitude;
      const chosen = key.topk(count, 0, spec.kind === 'largest').indices;
      direction = indicator(d, chosen).mul(direction);
    }
    const scale = spec.relativeSize * w064.norm().item() / direction.norm().item();
    return w064.add(direction.mul(scale));
  });
}

/** 1 at the given indices, 0 elsewhere (float64, length d). */
function indicator(d: number, indices: Tensor): Tensor {
  return zeros([d], { dtype: 'float64' }).scatter(0, indices, ones([indices.size(0)], { dtype: 'float64' }));
}

function checkPositive(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
}
