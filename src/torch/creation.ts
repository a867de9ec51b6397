// Tensor factories. Defaults: float32 on the CPU, no gradient.
import { native } from './native.js';
import { aten } from './ops.js';
import { handleOf, Tensor, wrap } from './tensor.js';
import { dtypeCode, dtypeOfTypedArray, type DType, type Device } from './dtype.js';

export interface CreateOptions {
  dtype?: DType;
  device?: Device;
  requiresGrad?: boolean;
}

const F = {
  zeros: aten('zeros'), ones: aten('ones'), full: aten('full'), empty: aten('empty.memory_format'),
  randn: aten('randn'), rand: aten('rand'), randint: aten('randint.low'), arange: aten('arange.start_step'),
  randperm: aten('randperm'), eye: aten('eye'), linspace: aten('linspace'),
  zerosLike: aten('zeros_like'), onesLike: aten('ones_like'), randnLike: aten('randn_like'),
  cat: aten('cat'), stack: aten('stack'),
};

function checkShape(shape: number[], op: string): number[] {
  if (!Array.isArray(shape) || shape.some((size) => !Number.isInteger(size) || size < 0)) {
    throw new TypeError(`${op}: shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  return shape;
}

function finish(tensor: Tensor, options: CreateOptions): Tensor {
  return options.requiresGrad ? tensor.requiresGrad_(true) : tensor;
}

const code = (options: CreateOptions, fallback: DType = 'float32'): number => dtypeCode(options.dtype ?? fallback);
const device = (options: CreateOptions): string => options.device ?? 'cpu';

export function zeros(shape: number[], options: CreateOptions = {}): Tensor {
  return finish(wrap(F.zeros(checkShape(shape, 'zeros'), code(options), null, device(options))), options);
}
export function ones(shape: number[], options: CreateOptions = {}): Tensor {
  return finish(wrap(F.ones(checkShape(shape, 'ones'), code(options), null, device(options))), options);
}
export function full(shape: number[], value: number, options: CreateOptions = {}): Tensor {
  return finish(wrap(F.full(checkShape(shape, 'full'), value, code(options), null, device(options))), options);
}
export function empty(shape: number[], options: CreateOptions = {}): Tensor {
  return finish(wrap(F.empty(checkShape(shape, 'empty'), code(options), null, device(options))), options);
}
/** Standard normal draws from the global generator (see manualSeed). */
export function randn(shape: number[], options: CreateOptions = {}): Tensor {
  return finish(wrap(F.randn(checkShape(shape, 'randn'), code(options), null, device(options))), options);
}
/** Uniform draws on [0, 1). */
export function rand(shape: number[], options: CreateOptions = {}): Tensor {
  return finish(wrap(F.rand(checkShape(shape, 'rand'), code(options), null, device(options))), options);
}
/** Integers uniform on [low, high); int64 by default. */
export function randint(low: number, high: number, shape: number[], options: CreateOptions = {}): Tensor {
  if (!(high > low)) throw new RangeError(`randint: need low < high, got [${low}, ${high})`);
  return wrap(F.randint(low, high, checkShape(shape, 'randint'), code(options, 'int64'), null, device(options)));
}
/** A random permutation of 0..n-1 (int64). */
export function randperm(n: number, options: CreateOptions = {}): Tensor {
  return wrap(F.randperm(n, code(options, 'int64'), null, device(options)));
}
/** start, start+step, ... below end; int64 when all arguments are integers, else float32. */
export function arange(start: number, end?: number, step = 1, options: CreateOptions = {}): Tensor {
  if (end === undefined) { end = start; start = 0; }
  const integral = Number.isInteger(start) && Number.isInteger(end) && Number.isInteger(step);
  return wrap(F.arange(start, end, step, code(options, integral ? 'int64' : 'float32'), null, device(options)));
}
export function linspace(start: number, end: number, steps: number, options: CreateOptions = {}): Tensor {
  return wrap(F.linspace(start, end, steps, code(options), null, device(options)));
}
export function eye(n: number, options: CreateOptions = {}): Tensor {
  return wrap(F.eye(n, code(options), null, device(options)));
}
export function zerosLike(like: Tensor): Tensor { return wrap(F.zerosLike(handleOf(like))); }
export function onesLike(like: Tensor): Tensor { return wrap(F.onesLike(handleOf(like))); }
export function randnLike(like: Tensor): Tensor { return wrap(F.randnLike(handleOf(like))); }

/**
 * A tensor from JS data: a typed array (its dtype unless options.dtype says otherwise), a number array
 * (float32 unless options.dtype) or nested number arrays (shape inferred).
 */
export function tensor(data: ArrayBufferView | number[] | number[][] | number[][][] | number, shape?: number[],
  options: CreateOptions = {}): Tensor {
  let flat: ArrayBufferView;
  let inferred: number[];
  if (typeof data === 'number') {
    inferred = [];
    flat = new Float64Array([data]);
  } else if (ArrayBuffer.isView(data)) {
    flat = data;
    inferred = [(data as unknown as { length: number }).length];
  } else {
    inferred = [];
    let level: unknown = data;
    while (Array.isArray(level)) { inferred.push(level.length); level = level[0]; }
    const values = (data as unknown[]).flat(Infinity) as number[];
    if (values.some((value) => typeof value !== 'number' && typeof value !== 'boolean')) {
      throw new TypeError('tensor(data): data must contain numbers only');
    }
    flat = new Float64Array(values.map(Number));
  }
  const finalShape = shape ?? inferred;
  const count = finalShape.reduce((a, b) => a * b, 1);
  const length = (flat as unknown as { length: number }).length;
  if (count !== length) {
    throw new RangeError(`tensor(data): ${length} values cannot fill shape [${finalShape}] (${count} elements)`);
  }
  const sourceDtype = dtypeOfTypedArray(flat);
  const targetDtype = options.dtype ?? (ArrayBuffer.isView(data) ? sourceDtype : 'float32');
  let result = wrap(native.fromBuffer(flat, dtypeCode(sourceDtype), checkShape(finalShape, 'tensor')));
  if (targetDtype !== sourceDtype) { const converted = result.to(targetDtype); result.dispose(); result = converted; }
  if (options.device && options.device !== 'cpu') { const moved = result.to(options.device); result.dispose(); result = moved; }
  return finish(result, options);
}

export function cat(tensors: Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new RangeError('cat: needs at least one tensor');
  return wrap(F.cat(tensors.map((t) => handleOf(t)), dim));
}
export function stack(tensors: Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new RangeError('stack: needs at least one tensor');
  return wrap(F.stack(tensors.map((t) => handleOf(t)), dim));
}
