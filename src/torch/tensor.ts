// The typed Tensor: one JS object owns one libtorch alias. Methods mirror ATen names (camelCased) and
// return fresh tensors; methods ending in `_` modify the tensor in place and return it.
import { native, type Handle } from './native.js';
import { aten, atenInPlace } from './ops.js';
import { track, type Disposable } from './scope.js';
import { dtypeCode, dtypeCodes, dtypeFromCode, typedArrayFor, type AnyTypedArray, type DType, type Device } from './dtype.js';

export type Scalar = number | boolean;
export type TensorOrScalar = Tensor | Scalar;

const A = {
  add: aten('add.Tensor'), addScalar: aten('add.Scalar'), sub: aten('sub.Tensor'), subScalar: aten('sub.Scalar'),
  mul: aten('mul.Tensor'), mulScalar: aten('mul.Scalar'), div: aten('div.Tensor'), divScalar: aten('div.Scalar'),
  rsubScalar: aten('rsub.Scalar'),
  pow: aten('pow.Tensor_Tensor'), powScalar: aten('pow.Tensor_Scalar'), matmul: aten('matmul'), mm: aten('mm'),
  neg: aten('neg'), abs: aten('abs'), sign: aten('sign'), sqrt: aten('sqrt'), rsqrt: aten('rsqrt'), exp: aten('exp'),
  log: aten('log'), log1p: aten('log1p'), square: aten('square'), reciprocal: aten('reciprocal'),
  relu: aten('relu'), sigmoid: aten('sigmoid'), tanh: aten('tanh'), floor: aten('floor'), ceil: aten('ceil'),
  round: aten('round'), clamp: aten('clamp'), maximum: aten('maximum'), minimum: aten('minimum'),
  sum: aten('sum'), sumDim: aten('sum.dim_IntList'), mean: aten('mean'), meanDim: aten('mean.dim'),
  max: aten('max'), maxDim: aten('max.dim'), min: aten('min'), minDim: aten('min.dim'), amax: aten('amax'),
  amin: aten('amin'), argmax: aten('argmax'), argmin: aten('argmin'), prod: aten('prod'),
  var: aten('var.correction'), std: aten('std.correction'), cumsum: aten('cumsum'), logsumexp: aten('logsumexp'),
  norm: aten('norm.Scalar'), normDim: aten('norm.ScalarOpt_dim'), dot: aten('dot'),
  topk: aten('topk'), kthvalue: aten('kthvalue'), sort: aten('sort'), argsort: aten('argsort'),
  multinomial: aten('multinomial'), bincount: aten('bincount'), indexAdd: aten('index_add'),
  eq: aten('eq.Tensor'), eqScalar: aten('eq.Scalar'), ne: aten('ne.Tensor'), neScalar: aten('ne.Scalar'),
  lt: aten('lt.Tensor'), ltScalar: aten('lt.Scalar'), le: aten('le.Tensor'), leScalar: aten('le.Scalar'),
  gt: aten('gt.Tensor'), gtScalar: aten('gt.Scalar'), ge: aten('ge.Tensor'), geScalar: aten('ge.Scalar'),
  logicalAnd: aten('logical_and'), logicalOr: aten('logical_or'), logicalNot: aten('logical_not'),
  any: aten('any'), all: aten('all'), isnan: aten('isnan'), isfinite: aten('isfinite'), nonzero: aten('nonzero'),
  countNonzero: aten('count_nonzero'),
  reshape: aten('reshape'), view: aten('view'), flatten: aten('flatten.using_ints'), permute: aten('permute'),
  transpose: aten('transpose.int'), squeeze: aten('squeeze'), squeezeDim: aten('squeeze.dim'),
  unsqueeze: aten('unsqueeze'), expand: aten('expand'), narrow: aten('narrow'), slice: aten('slice.Tensor'),
  select: aten('select.int'), indexSelect: aten('index_select'), gather: aten('gather'), scatter: aten('scatter.src'),
  maskedFill: aten('masked_fill.Scalar'), maskedSelect: aten('masked_select'), contiguous: aten('contiguous'),
  clone: aten('clone'), detach: aten('detach'), toDtype: aten('to.dtype'), toDevice: aten('to.device'),
  item: aten('item'), flip: aten('flip'), repeat: aten('repeat'), triu: aten('triu'), outer: aten('outer'),
  where: aten('where.self'), pinMemory: aten('pin_memory'), isPinned: aten('is_pinned'),
  add_: atenInPlace('add_.Tensor'), addScalar_: atenInPlace('add_.Scalar'), sub_: atenInPlace('sub_.Tensor'),
  mul_: atenInPlace('mul_.Tensor'), mulScalar_: atenInPlace('mul_.Scalar'), div_: atenInPlace('div_.Tensor'),
  divScalar_: atenInPlace('div_.Scalar'), copy_: atenInPlace('copy_'), zero_: atenInPlace('zero_'),
  fill_: atenInPlace('fill_.Scalar'), addcmul_: atenInPlace('addcmul_'), addcdiv_: atenInPlace('addcdiv_'),
  maskedFill_: atenInPlace('masked_fill_.Scalar'), clamp_: atenInPlace('clamp_'), requiresGrad_: atenInPlace('requires_grad_'),
  normal_: atenInPlace('normal_'), uniform_: atenInPlace('uniform_'), abs_: atenInPlace('abs_'),
  lerp_: atenInPlace('lerp_.Scalar'), relu_: atenInPlace('relu_'),
  setData_: atenInPlace('set_data'),
};

export interface ValuesIndices { values: Tensor; indices: Tensor }

// The safety net for tensors nobody disposed: when an unowned Tensor is garbage collected, its handle is freed.
// Tensors inside tidy() never register (the scope frees them), which keeps small ops cheap.
const leakedHandles = new FinalizationRegistry<Handle>((handle) => native.dispose(handle));

export class Tensor implements Disposable {
  #handle: Handle | null;
  #meta: [number, string, boolean, ...number[]] | null = null;
  #inSafetyNet = false;
  kept = false;

  /** Wraps a native handle; used by the torch/ modules only. */
  constructor(handle: Handle) {
    this.#handle = handle;
    track(this);
  }

  get handle(): Handle {
    if (this.#handle === null) throw new Error('tensor was disposed; it cannot be used any more (keep() it to escape a tidy)');
    return this.#handle;
  }

  get isDisposed(): boolean { return this.#handle === null; }

  dispose(): void {
    if (this.#handle === null) return;
    native.dispose(this.#handle);
    this.#handle = null;
  }

  /**
   * No scope owns this tensor any more: free it when it is garbage collected, if nobody disposes it. dispose()
   * does not unregister (that costs a hash of the object per tensor): the late finalizer then meets a stale
   * handle, which the addon recognises by its generation and ignores.
   */
  unowned(): void {
    if (this.#inSafetyNet || this.#handle === null) return;
    leakedHandles.register(this, this.#handle);
    this.#inSafetyNet = true;
  }

  #info(): [number, string, boolean, ...number[]] {
    return this.#meta ??= native.meta(this.handle);
  }
  /** Shape changes only through in-place ops that reset the cached metadata. */
  #changed(): this { this.#meta = null; return this; }

  get shape(): number[] { return this.#info().slice(3) as number[]; }
  get ndim(): number { return this.#info().length - 3; }
  get numel(): number { let count = 1; for (const size of this.shape) count *= size; return count; }
  get dtype(): DType { return dtypeFromCode(this.#info()[0]); }
  get device(): string { return this.#info()[1]; }
  size(dim: number): number { const shape = this.shape; return shape[dim < 0 ? dim + shape.length : dim]; }

  // ---- autograd ----
  get requiresGrad(): boolean { return native.requiresGrad(this.handle); }
  /** Turns gradient recording on or off for this leaf tensor; returns this. */
  requiresGrad_(requires = true): this { A.requiresGrad_(this.handle, requires); this.#meta = null; return this; }
  get isLeaf(): boolean { return native.isLeaf(this.handle); }
  /** The accumulated gradient as a fresh alias (dispose it or read it inside tidy), or null. */
  get grad(): Tensor | null { const grad = native.getGrad(this.handle); return grad ? new Tensor(grad) : null; }
  set grad(value: Tensor | null) { native.setGrad(this.handle, value ? handleOf(value) : null); }
  backward(gradient?: Tensor, options: { retainGraph?: boolean; createGraph?: boolean } = {}): void {
    native.backward([this.handle], gradient ? [handleOf(gradient)] : null, options.retainGraph ?? null, options.createGraph ?? false);
  }
  detach(): Tensor { return wrap(A.detach(this.handle)); }

  // ---- data out ----
  /** The elements in row-major order as a typed array (a copy; int64 gives BigInt64Array). */
  data(): AnyTypedArray { return typedArrayFor(this.dtype, native.toBuffer(this.handle)); }
  /** The elements in row-major order as JS numbers. */
  toArray(): number[] {
    if (this.dtype === 'float16') { const widened = this.float(); try { return widened.toArray(); } finally { widened.dispose(); } }
    const data = this.data();
    return data instanceof BigInt64Array ? Array.from(data, Number) : Array.from(data as ArrayLike<number>);
  }
  item(): number { return Number(A.item(this.handle)); }
  toString(): string {
    return this.isDisposed ? 'Tensor(disposed)' : `Tensor(shape=[${this.shape}], dtype=${this.dtype}, device=${this.device})`;
  }

  // ---- conversion ----
  /**
   * A copy with another dtype or on another device (the tensor itself when nothing changes, as in ATen).
   * `nonBlocking`: a copy from pinned host memory to a CUDA device returns before the copy ends (it is ordered
   * before later work on the device's current stream).
   */
  to(target: DType | Device, options: { nonBlocking?: boolean } = {}): Tensor {
    if (typeof target === 'string' && (target === 'cpu' || target.startsWith('cuda'))) {
      return wrap(A.toDevice(this.handle, target, this.#info()[0], options.nonBlocking === true));
    }
    if (typeof target !== 'string' || !(target in dtypeCodes)) {
      throw new TypeError(`to: expected a dtype (${Object.keys(dtypeCodes).join(', ')}) or a device ('cpu', 'cuda', ` +
        `'cuda:N'), got ${JSON.stringify(target)}`);
    }
    return wrap(A.toDtype(this.handle, dtypeCode(target as DType)));
  }
  float(): Tensor { return this.to('float32'); }
  /** A copy in page-locked host memory (fast, asynchronous copies to a GPU); throws where libtorch has no CUDA. */
  pinMemory(): Tensor { return wrap(A.pinMemory(this.handle)); }
  /** Whether the tensor lives in page-locked host memory. */
  isPinned(): boolean { return Boolean(A.isPinned(this.handle)); }
  double(): Tensor { return this.to('float64'); }
  long(): Tensor { return this.to('int64'); }
  bool(): Tensor { return this.to('bool'); }
  clone(): Tensor { return wrap(A.clone(this.handle)); }
  contiguous(): Tensor { return wrap(A.contiguous(this.handle)); }

  // ---- arithmetic ----
  add(other: TensorOrScalar, alpha: number = 1): Tensor {
    return wrap(other instanceof Tensor ? A.add(this.handle, handleOf(other), alpha) : A.addScalar(this.handle, other, alpha));
  }
  sub(other: TensorOrScalar, alpha: number = 1): Tensor {
    return wrap(other instanceof Tensor ? A.sub(this.handle, handleOf(other), alpha) : A.subScalar(this.handle, other, alpha));
  }
  /** other - this */
  rsub(other: Scalar): Tensor { return wrap(A.rsubScalar(this.handle, other)); }
  mul(other: TensorOrScalar): Tensor {
    return wrap(other instanceof Tensor ? A.mul(this.handle, handleOf(other)) : A.mulScalar(this.handle, other));
  }
  div(other: TensorOrScalar): Tensor {
    return wrap(other instanceof Tensor ? A.div(this.handle, handleOf(other)) : A.divScalar(this.handle, other));
  }
  pow(exponent: TensorOrScalar): Tensor {
    return wrap(exponent instanceof Tensor ? A.pow(this.handle, handleOf(exponent)) : A.powScalar(this.handle, exponent));
  }
  matmul(other: Tensor): Tensor { return wrap(A.matmul(this.handle, handleOf(other))); }
  mm(other: Tensor): Tensor { return wrap(A.mm(this.handle, handleOf(other))); }
  dot(other: Tensor): Tensor { return wrap(A.dot(this.handle, handleOf(other))); }
  outer(other: Tensor): Tensor { return wrap(A.outer(this.handle, handleOf(other))); }
  neg(): Tensor { return wrap(A.neg(this.handle)); }
  abs(): Tensor { return wrap(A.abs(this.handle)); }
  sign(): Tensor { return wrap(A.sign(this.handle)); }
  sqrt(): Tensor { return wrap(A.sqrt(this.handle)); }
  rsqrt(): Tensor { return wrap(A.rsqrt(this.handle)); }
  square(): Tensor { return wrap(A.square(this.handle)); }
  reciprocal(): Tensor { return wrap(A.reciprocal(this.handle)); }
  exp(): Tensor { return wrap(A.exp(this.handle)); }
  log(): Tensor { return wrap(A.log(this.handle)); }
  log1p(): Tensor { return wrap(A.log1p(this.handle)); }
  relu(): Tensor { return wrap(A.relu(this.handle)); }
  sigmoid(): Tensor { return wrap(A.sigmoid(this.handle)); }
  tanh(): Tensor { return wrap(A.tanh(this.handle)); }
  floor(): Tensor { return wrap(A.floor(this.handle)); }
  ceil(): Tensor { return wrap(A.ceil(this.handle)); }
  round(): Tensor { return wrap(A.round(this.handle)); }
  clamp(min: number | null, max: number | null = null): Tensor { return wrap(A.clamp(this.handle, min, max)); }
  maximum(other: Tensor): Tensor { return wrap(A.maximum(this.handle, handleOf(other))); }
  minimum(other: Tensor): Tensor { return wrap(A.minimum(this.handle, handleOf(other))); }

  // ---- reductions ----
  sum(dim?: number | number[], keepdim = false): Tensor {
    return wrap(dim === undefined ? A.sum(this.handle) : A.sumDim(this.handle, dim, keepdim));
  }
  mean(dim?: number | number[], keepdim = false): Tensor {
    return wrap(dim === undefined ? A.mean(this.handle) : A.meanDim(this.handle, dim, keepdim));
  }
  /** Largest element (a 0-d tensor). */
  max(): Tensor { return wrap(A.max(this.handle)); }
  min(): Tensor { return wrap(A.min(this.handle)); }
  maxDim(dim: number, keepdim = false): ValuesIndices { return pair(A.maxDim(this.handle, dim, keepdim)); }
  minDim(dim: number, keepdim = false): ValuesIndices { return pair(A.minDim(this.handle, dim, keepdim)); }
  amax(dim: number | number[], keepdim = false): Tensor { return wrap(A.amax(this.handle, dim, keepdim)); }
  amin(dim: number | number[], keepdim = false): Tensor { return wrap(A.amin(this.handle, dim, keepdim)); }
  argmax(dim?: number, keepdim = false): Tensor { return wrap(A.argmax(this.handle, dim ?? null, keepdim)); }
  argmin(dim?: number, keepdim = false): Tensor { return wrap(A.argmin(this.handle, dim ?? null, keepdim)); }
  prod(): Tensor { return wrap(A.prod(this.handle)); }
  /** Variance with Bessel's correction by default (correction=1), as torch.var. */
  var(dim?: number | number[], options: { correction?: number; keepdim?: boolean } = {}): Tensor {
    return wrap(A.var(this.handle, dim ?? null, options.correction ?? 1, options.keepdim ?? false));
  }
  std(dim?: number | number[], options: { correction?: number; keepdim?: boolean } = {}): Tensor {
    return wrap(A.std(this.handle, dim ?? null, options.correction ?? 1, options.keepdim ?? false));
  }
  cumsum(dim: number): Tensor { return wrap(A.cumsum(this.handle, dim)); }
  logsumexp(dim: number | number[], keepdim = false): Tensor { return wrap(A.logsumexp(this.handle, dim, keepdim)); }
  /** p-norm of all elements, or over `dim`. */
  norm(p: number = 2, dim?: number | number[], keepdim = false): Tensor {
    return wrap(dim === undefined ? A.norm(this.handle, p) : A.normDim(this.handle, p, dim, keepdim));
  }
  topk(k: number, dim = -1, largest = true, sorted = true): ValuesIndices {
    return pair(A.topk(this.handle, k, dim, largest, sorted));
  }
  /** The k-th smallest element (1-based) along dim. */
  kthvalue(k: number, dim = -1, keepdim = false): ValuesIndices { return pair(A.kthvalue(this.handle, k, dim, keepdim)); }
  sort(dim = -1, descending = false): ValuesIndices { return pair(A.sort(this.handle, dim, descending)); }
  argsort(dim = -1, descending = false): Tensor { return wrap(A.argsort(this.handle, dim, descending)); }
  /** Draws indices with probability proportional to the (non-negative) rows of this tensor. */
  multinomial(numSamples: number, replacement = false): Tensor {
    return wrap(A.multinomial(this.handle, numSamples, replacement));
  }
  bincount(weights?: Tensor | null, minlength = 0): Tensor {
    return wrap(A.bincount(this.handle, weights ? handleOf(weights) : null, minlength));
  }
  indexAdd(dim: number, index: Tensor, source: Tensor, alpha: number = 1): Tensor {
    return wrap(A.indexAdd(this.handle, dim, handleOf(index), handleOf(source), alpha));
  }
  any(): Tensor { return wrap(A.any(this.handle)); }
  all(): Tensor { return wrap(A.all(this.handle)); }
  countNonzero(dim?: number | number[]): Tensor { return wrap(A.countNonzero(this.handle, dim ?? null)); }

  // ---- comparisons and logic (results are bool tensors) ----
  eq(other: TensorOrScalar): Tensor { return compare(this, other, A.eq, A.eqScalar); }
  ne(other: TensorOrScalar): Tensor { return compare(this, other, A.ne, A.neScalar); }
  lt(other: TensorOrScalar): Tensor { return compare(this, other, A.lt, A.ltScalar); }
  le(other: TensorOrScalar): Tensor { return compare(this, other, A.le, A.leScalar); }
  gt(other: TensorOrScalar): Tensor { return compare(this, other, A.gt, A.gtScalar); }
  ge(other: TensorOrScalar): Tensor { return compare(this, other, A.ge, A.geScalar); }
  logicalAnd(other: Tensor): Tensor { return wrap(A.logicalAnd(this.handle, handleOf(other))); }
  logicalOr(other: Tensor): Tensor { return wrap(A.logicalOr(this.handle, handleOf(other))); }
  logicalNot(): Tensor { return wrap(A.logicalNot(this.handle)); }
  isnan(): Tensor { return wrap(A.isnan(this.handle)); }
  isfinite(): Tensor { return wrap(A.isfinite(this.handle)); }
  /** Indices of non-zero elements, shape [count, ndim]. */
  nonzero(): Tensor { return wrap(A.nonzero(this.handle)); }
  maskedFill(mask: Tensor, value: number): Tensor { return wrap(A.maskedFill(this.handle, handleOf(mask), value)); }
  maskedSelect(mask: Tensor): Tensor { return wrap(A.maskedSelect(this.handle, handleOf(mask))); }

  // ---- shape ----
  reshape(shape: number[]): Tensor { return wrap(A.reshape(this.handle, shape)); }
  view(shape: number[]): Tensor { return wrap(A.view(this.handle, shape)); }
  flatten(startDim = 0, endDim = -1): Tensor { return wrap(A.flatten(this.handle, startDim, endDim)); }
  permute(dims: number[]): Tensor { return wrap(A.permute(this.handle, dims)); }
  transpose(dim0: number, dim1: number): Tensor { return wrap(A.transpose(this.handle, dim0, dim1)); }
  get T(): Tensor { return this.transpose(0, 1); }
  squeeze(dim?: number): Tensor { return wrap(dim === undefined ? A.squeeze(this.handle) : A.squeezeDim(this.handle, dim)); }
  unsqueeze(dim: number): Tensor { return wrap(A.unsqueeze(this.handle, dim)); }
  expand(shape: number[]): Tensor { return wrap(A.expand(this.handle, shape)); }
  narrow(dim: number, start: number, length: number): Tensor { return wrap(A.narrow(this.handle, dim, start, length)); }
  slice(dim: number, start: number | null = null, end: number | null = null, step = 1): Tensor {
    return wrap(A.slice(this.handle, dim, start, end, step));
  }
  select(dim: number, index: number): Tensor { return wrap(A.select(this.handle, dim, index)); }
  indexSelect(dim: number, index: Tensor): Tensor { return wrap(A.indexSelect(this.handle, dim, handleOf(index))); }
  gather(dim: number, index: Tensor): Tensor { return wrap(A.gather(this.handle, dim, handleOf(index))); }
  scatter(dim: number, index: Tensor, source: Tensor): Tensor {
    return wrap(A.scatter(this.handle, dim, handleOf(index), handleOf(source)));
  }
  flip(dims: number[]): Tensor { return wrap(A.flip(this.handle, dims)); }
  repeat(repeats: number[]): Tensor { return wrap(A.repeat(this.handle, repeats)); }
  triu(diagonal = 0): Tensor { return wrap(A.triu(this.handle, diagonal)); }

  // ---- in place (optimizers, masks, init) ----
  add_(other: TensorOrScalar, alpha: number = 1): this {
    if (other instanceof Tensor) A.add_(this.handle, handleOf(other), alpha); else A.addScalar_(this.handle, other, alpha);
    return this;
  }
  sub_(other: Tensor, alpha: number = 1): this { A.sub_(this.handle, handleOf(other), alpha); return this; }
  mul_(other: TensorOrScalar): this {
    if (other instanceof Tensor) A.mul_(this.handle, handleOf(other)); else A.mulScalar_(this.handle, other);
    return this;
  }
  div_(other: TensorOrScalar): this {
    if (other instanceof Tensor) A.div_(this.handle, handleOf(other)); else A.divScalar_(this.handle, other);
    return this;
  }
  copy_(source: Tensor): this { A.copy_(this.handle, handleOf(source)); return this; }
  zero_(): this { A.zero_(this.handle); return this; }
  fill_(value: Scalar): this { A.fill_(this.handle, value); return this; }
  /** this += value * a * b */
  addcmul_(a: Tensor, b: Tensor, value: number = 1): this { A.addcmul_(this.handle, handleOf(a), handleOf(b), value); return this; }
  /** this += value * a / b */
  addcdiv_(a: Tensor, b: Tensor, value: number = 1): this { A.addcdiv_(this.handle, handleOf(a), handleOf(b), value); return this; }
  maskedFill_(mask: Tensor, value: number): this { A.maskedFill_(this.handle, handleOf(mask), value); return this; }
  clamp_(min: number | null, max: number | null = null): this { A.clamp_(this.handle, min, max); return this; }
  abs_(): this { A.abs_(this.handle); return this; }
  /**
   * max(x, 0) in place, as torchvision's ReLU(inplace=True): saves a buffer where the op that made this tensor does
   * not keep its output for backward (batch norm, conv, linear, add). Otherwise backward fails with libtorch's
   * "modified by an inplace operation" error (a version check), never with a wrong gradient.
   */
  relu_(): this { A.relu_(this.handle); return this; }
  lerp_(end: Tensor, weight: number): this { A.lerp_(this.handle, handleOf(end), weight); return this; }
  normal_(mean = 0, std = 1): this { A.normal_(this.handle, mean, std); return this; }
  uniform_(from = 0, to = 1): this { A.uniform_(this.handle, from, to); return this; }
  /**
   * Points this tensor at `source`'s data (dtype and shape may change) while keeping its identity, gradient flag
   * and owner, as PyTorch's `param.data = source`: lets a pass run a model in float64 and restore it afterwards.
   */
  setData_(source: Tensor): this { A.setData_(this.handle, handleOf(source)); return this.#changed(); }
}

/**
 * The handle of a tensor argument. A value that is not a Tensor (a number, null, a plain object) goes to the
 * addon as it is, which rejects it with a TypeError naming the ATen argument ("argument 'other': expected a
 * tensor, got null") instead of JavaScript's "cannot read properties of null".
 */
export function handleOf(value: Tensor): Handle {
  return value instanceof Tensor ? value.handle : (value as unknown as Handle);
}

/** Wraps a native result handle as a Tensor owned by the current scope. */
export function wrap(result: unknown): Tensor {
  return new Tensor(result as Handle);
}

function pair(result: unknown): ValuesIndices {
  const [values, indices] = result as [Handle, Handle];
  return { values: new Tensor(values), indices: new Tensor(indices) };
}

function compare(self: Tensor, other: TensorOrScalar, tensorOp: (...args: unknown[]) => unknown,
  scalarOp: (...args: unknown[]) => unknown): Tensor {
  return wrap(other instanceof Tensor ? tensorOp(handleOf(self), handleOf(other)) : scalarOp(handleOf(self), other));
}

/** Elementwise choice: condition ? a : b (scalars broadcast). */
export function where(condition: Tensor, a: TensorOrScalar, b: TensorOrScalar): Tensor {
  const like = a instanceof Tensor ? a : b instanceof Tensor ? b : null;
  const asTensor = (value: TensorOrScalar): Tensor => value instanceof Tensor ? value
    : scalarLike(value, like ?? condition, like ? like.dtype : 'float32');
  const left = asTensor(a);
  const right = asTensor(b);
  const result = wrap(A.where(handleOf(condition), handleOf(left), handleOf(right)));
  if (left !== a) left.dispose();
  if (right !== b) right.dispose();
  return result;
}

const fullOp = aten('full');
function scalarLike(value: Scalar, like: Tensor, dtype: DType): Tensor {
  return wrap(fullOp([], value, dtypeCode(dtype), null, like.device, null));
}
