// Argument checks for the sketching functions: each error names the argument and the value it received.
import { Tensor, tidy } from '../torch/index.js';

/** The sample budget s of Algorithm 1: a positive (safe) integer. */
export function checkBudget(s: unknown, name = 's'): number {
  if (typeof s !== 'number' || !Number.isSafeInteger(s) || s <= 0) {
    throw new RangeError(`${name} (the number of draws) must be a positive integer, got ${describe(s)}`);
  }
  return s;
}

/** A repetition count (Monte Carlo reps): an integer ≥ minimum. */
export function checkCount(count: unknown, name: string, minimum = 1): number {
  if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < minimum) {
    throw new RangeError(`${name} must be an integer ≥ ${minimum}, got ${describe(count)}`);
  }
  return count;
}

export function checkTensor(value: unknown, name: string): Tensor {
  if (!(value instanceof Tensor)) throw new TypeError(`${name} must be a Tensor, got ${describe(value)}`);
  if (value.isDisposed) throw new TypeError(`${name} is a disposed tensor`);
  return value;
}

/** A 1-D tensor, optionally of a given length (named by `lengthName`, e.g. "d, the rows of X"). */
export function checkVector(value: unknown, name: string, length?: number, lengthName = 'd'): Tensor {
  const vector = checkTensor(value, name);
  if (vector.ndim !== 1) throw new RangeError(`${name} must be a 1-D tensor, got shape [${vector.shape}]`);
  if (length !== undefined && vector.size(0) !== length) {
    throw new RangeError(`${name} has length ${vector.size(0)} but ${lengthName} is ${length}`);
  }
  if (vector.size(0) === 0) throw new RangeError(`${name} is empty`);
  return vector;
}

/** X ∈ R^{d×n}: a 2-D tensor with at least one row and one column. */
export function checkMatrix(value: unknown, name: string, rows?: number): Tensor {
  const matrix = checkTensor(value, name);
  if (matrix.ndim !== 2) throw new RangeError(`${name} must be a 2-D tensor (d×n), got shape [${matrix.shape}]`);
  if (matrix.size(0) === 0 || matrix.size(1) === 0) throw new RangeError(`${name} is empty (shape [${matrix.shape}])`);
  if (rows !== undefined && matrix.size(0) !== rows) {
    throw new RangeError(`${name} has ${matrix.size(0)} rows but d is ${rows} (shape [${matrix.shape}])`);
  }
  return matrix;
}

/** Throws if any element is NaN or ±∞, naming the first offending index and value. */
export function checkFinite(tensor: Tensor, name: string): void {
  tidy(() => {
    const bad = tensor.isfinite().logicalNot();
    if (!bad.any().item()) return;
    const index = bad.flatten().nonzero().select(0, 0).select(0, 0).item();
    const value = tensor.flatten().select(0, index).item();
    throw new RangeError(`${name} must be finite, but ${name}[${index}] = ${value}`);
  });
}

/**
 * Validates a probability vector for Algorithm 1 and returns it normalized to sum 1, as float64 (a new
 * tensor owned by the caller's scope). Accepts any non-negative, finite weights with positive mass.
 */
export function checkProbabilities(value: unknown, name = 'p', length?: number): Tensor {
  const p = checkVector(value, name, length);
  return tidy(() => {
    const p64 = p.to('float64');
    checkFinite(p64, name);
    const negative = p64.lt(0);
    if (negative.any().item()) {
      const index = negative.nonzero().select(0, 0).select(0, 0).item();
      throw new RangeError(`${name} must be non-negative, but ${name}[${index}] = ${p64.select(0, index).item()}`);
    }
    const mass = p64.sum().item();
    if (!(mass > 0)) throw new RangeError(`${name} must have positive total mass, but its entries sum to ${mass}`);
    return p64.div(mass);
  });
}

function describe(value: unknown): string {
  if (value instanceof Tensor) return value.toString();
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return JSON.stringify(value);
  try { return JSON.stringify(value); } catch { return String(value); }
}
