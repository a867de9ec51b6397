// MaskSet: one mask per prunable parameter, keyed by the parameter's dotted name. Values are 0/1, or the
// scaled values of a sketch mask (Algorithm 1), so in memory a mask is a float tensor. On disk a set whose values
// are all 0/1 is stored as bool (1 byte per weight); a scaled set keeps float32.
import {
  Tensor, keep, noGrad, tidy, ones, saveSafetensors, loadSafetensors, savePt, zeroWhere_, type NamedTensors,
} from '../torch/index.js';
import { createHash } from 'node:crypto';
import { Module } from './module.js';
import { BatchNorm1d, BatchNorm2d, Conv2d, Linear } from './layers.js';
import { TorchScriptModule } from './torchscript.js';

export interface PrunableOptions {
  /** Also prune biases of conv and linear layers (default false). */
  biases?: boolean;
  /** Also prune batch-norm weights and biases (default false). */
  batchNorm?: boolean;
}

/**
 * The parameters pruning acts on: conv and linear weights by default, in model order. A TorchScript module (a
 * user's own network) decides by name and shape instead: see TorchScriptModule.prunableParameters.
 */
export function prunableParameters(model: Module, options: PrunableOptions = {}): [string, Tensor][] {
  if (model instanceof TorchScriptModule) return model.prunableParameters(options);
  const result: [string, Tensor][] = [];
  for (const [path, module] of model.namedModules()) {
    const prefix = path ? `${path}.` : '';
    if (module instanceof Conv2d || module instanceof Linear) {
      result.push([`${prefix}weight`, module.weight]);
      if (options.biases && module.bias) result.push([`${prefix}bias`, module.bias]);
    } else if (options.batchNorm && (module instanceof BatchNorm1d || module instanceof BatchNorm2d)) {
      if (module.weight) result.push([`${prefix}weight`, module.weight]);
      if (module.bias) result.push([`${prefix}bias`, module.bias]);
    }
  }
  return result;
}

export interface LayerDensity { name: string; kept: number; total: number; density: number }

export class MaskSet {
  readonly #masks = new Map<string, Tensor>();

  /** Takes ownership of the given masks (they are kept and freed by dispose()). */
  constructor(masks: Iterable<[string, Tensor]> = []) {
    for (const [name, mask] of masks) this.set(name, mask);
  }

  /** All-ones masks for the model's prunable parameters (density 1). */
  static ones(model: Module, options: PrunableOptions = {}): MaskSet {
    const parameters = prunableParameters(model, options);
    if (parameters.length === 0) throw new Error(`${model.constructor.name} has no prunable parameters`);
    return new MaskSet(parameters.map(([name, parameter]) => [name, ones(parameter.shape, { device: parameter.device as 'cpu' })]));
  }

  get names(): string[] { return [...this.#masks.keys()]; }
  get size(): number { return this.#masks.size; }
  entries(): [string, Tensor][] { return [...this.#masks]; }
  has(name: string): boolean { return this.#masks.has(name); }
  get(name: string): Tensor {
    const mask = this.#masks.get(name);
    if (!mask) throw new Error(`no mask for parameter '${name}'`);
    return mask;
  }
  set(name: string, mask: Tensor): void {
    this.#dropPruned();
    const previous = this.#masks.get(name);
    if (previous && previous !== mask) previous.dispose();
    this.#masks.set(name, keep(mask.dtype === 'float32' ? mask : tidy(() => mask.to('float32'))));
    if (mask.dtype !== 'float32') mask.dispose();
  }

  /** Kept count per layer and overall: a weight is kept when its mask value is non-zero. */
  layerDensities(): LayerDensity[] {
    return [...this.#masks].map(([name, mask]) => {
      const kept = tidy(() => mask.ne(0).sum().item());
      return { name, kept, total: mask.numel, density: kept / mask.numel };
    });
  }
  density(): number {
    const layers = this.layerDensities();
    const total = layers.reduce((sum, layer) => sum + layer.total, 0);
    return total === 0 ? 0 : layers.reduce((sum, layer) => sum + layer.kept, 0) / total;
  }
  /** True when every value is 0 or 1 (a plain mask rather than a scaled sketch). */
  isBinary(): boolean {
    return [...this.#masks.values()].every((mask) => tidy(() => mask.eq(0).logicalOr(mask.eq(1)).all().item() === 1));
  }

  /** Throws unless every mask names a parameter of the model with the same shape. */
  checkFits(model: Module): void {
    const parameters = new Map(model.namedParameters());
    for (const [name, mask] of this.#masks) {
      const parameter = parameters.get(name);
      if (!parameter) {
        throw new Error(`mask '${name}' names no parameter of ${model.constructor.name} (a mask for another architecture?)`);
      }
      if (parameter.shape.join() !== mask.shape.join()) {
        throw new Error(`mask '${name}' has shape [${mask.shape}] but the parameter has [${parameter.shape}] (a mask for another architecture?)`);
      }
    }
  }

  /** Multiplies each masked parameter by its mask, in place (scaled sketch values rescale kept weights). */
  applyTo(model: Module): void {
    this.checkFits(model);
    const parameters = new Map(model.namedParameters());
    noGrad(() => { for (const [name, mask] of this.#masks) parameters.get(name)!.mul_(mask); });
  }

  /** Zeroes the weights outside the mask's support (keeps kept weights' values); used after every step. */
  zeroPruned(model: Module): void {
    this.checkFits(model);
    const parameters = new Map(model.namedParameters());
    this.#zero([...this.#masks.keys()].map((name) => parameters.get(name)!));
  }

  /** Zeroes the gradient of pruned weights so momentum and weight decay never move them. */
  maskGradients(model: Module): void {
    this.checkFits(model);
    const parameters = new Map(model.namedParameters());
    tidy(() => this.#zero([...this.#masks.keys()].map((name) => parameters.get(name)!.grad))); // grad handles are new
  }

  /**
   * The pruned entries (bool, mask == 0) per mask, made once and reused: training zeroes weights and gradients
   * every step, and a fresh mask.eq(0) per layer and step cost allocations and a pass over every mask.
   */
  #pruned: Tensor[] | null = null;
  #dropPruned(): void {
    for (const tensor of this.#pruned ?? []) tensor.dispose();
    this.#pruned = null;
  }

  /** targets[i][mask i == 0] = 0 in place (null targets skipped): one native pass on the CPU, masked_fill elsewhere. */
  #zero(targets: (Tensor | null)[]): void {
    const masks = [...this.#masks.values()];
    this.#pruned ??= masks.map((mask) => keep(tidy(() => mask.eq(0))));
    const pruned = this.#pruned;
    const native: Tensor[] = [];
    const nativeMasks: Tensor[] = [];
    noGrad(() => tidy(() => targets.forEach((target, index) => {
      if (!target) return;
      let where = pruned[index];
      if (target.device === 'cpu' && where.device === 'cpu') {
        native.push(target);
        nativeMasks.push(where);
        return;
      }
      if (where.device !== target.device) where = where.to(target.device as 'cpu');
      target.maskedFill_(where, 0);
    })));
    if (native.length > 0) zeroWhere_(native, nativeMasks);
  }

  toNamedTensors(): NamedTensors { return Object.fromEntries(this.#masks); }

  /** What the files hold: bool masks when every value is 0 or 1, else the float32 values (caller disposes). */
  #forStorage<T>(write: (tensors: NamedTensors) => T): T {
    if (!this.isBinary()) return write(this.toNamedTensors());
    const stored = [...this.#masks].map(([name, mask]) => [name, keep(tidy(() => mask.ne(0)))] as const);
    try {
      return write(Object.fromEntries(stored));
    } finally {
      for (const [, mask] of stored) mask.dispose();
    }
  }

  /** safetensors with string metadata (e.g. the pruning record as JSON); 0/1 masks as BOOL, scaled ones as F32. */
  save(file: string, metadata: Record<string, string> = {}): void {
    this.#forStorage((tensors) => saveSafetensors(file, tensors, metadata));
  }
  /** A .pt file that Python reads with torch.load: {parameter name: mask} (torch.bool for 0/1 masks). */
  savePt(file: string): void { this.#forStorage((tensors) => savePt(file, tensors)); }
  /**
   * Reads a mask file. A file without masks (it would train densely and report density 0) and masks with
   * negative, NaN or infinite values are errors naming the file.
   */
  static load(file: string): { masks: MaskSet; metadata: Record<string, string> } {
    const { tensors, metadata } = loadSafetensors(file);
    const masks = new MaskSet(Object.entries(tensors));
    try {
      if (masks.size === 0) throw new Error(`${file}: holds no masks (an empty mask file would train the dense network)`);
      for (const [name, mask] of masks.entries()) {
        const bad = tidy(() => mask.lt(0).logicalOr(mask.isfinite().logicalNot()).sum().item());
        if (bad > 0) throw new Error(`${file}: mask '${name}' has ${bad} negative, NaN or infinite values (mask values must be ≥ 0)`);
      }
    } catch (error) {
      masks.dispose();
      throw error;
    }
    return { masks, metadata };
  }

  /**
   * SHA-256 (first 16 hex digits) of the masks' names, shapes and values, in name order: two mask sets with the
   * same per-layer counts but other kept weights differ here (a resumed run checks it).
   */
  digest(): string {
    const hash = createHash('sha256');
    for (const name of this.names.sort()) {
      const mask = this.#masks.get(name)!;
      hash.update(`${name}[${mask.shape.join(',')}]`);
      hash.update(tidy(() => new Uint8Array((mask.device === 'cpu' ? mask.contiguous() : mask.to('cpu').contiguous()).data().buffer as ArrayBuffer)));
    }
    return hash.digest('hex').slice(0, 16);
  }

  clone(): MaskSet { return new MaskSet(this.entries().map(([name, mask]) => [name, mask.clone()])); }
  dispose(): void {
    this.#dropPruned();
    for (const mask of this.#masks.values()) mask.dispose();
    this.#masks.clear();
  }
}
