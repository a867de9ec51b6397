// Module: named parameters, buffers and children (PyTorch's naming, so state dicts match PyTorch's keys).
import {
  Tensor, keep, noGrad, tidy, saveSafetensors, loadSafetensors, isFloating, type Device, type NamedTensors,
} from '../torch/index.js';

export abstract class Module {
  training = true;
  readonly #parameters = new Map<string, Tensor>();
  readonly #buffers = new Map<string, Tensor>();
  readonly #children = new Map<string, Module>();

  abstract forward(input: Tensor): Tensor;

  /** Module-local parameter; layers read theirs through this so `to()` and state loading can replace them. */
  protected parameter(name: string): Tensor {
    const tensor = this.#parameters.get(name);
    if (!tensor) throw new Error(`${this.constructor.name} has no parameter '${name}'`);
    return tensor;
  }
  protected optionalParameter(name: string): Tensor | null { return this.#parameters.get(name) ?? null; }
  protected buffer(name: string): Tensor {
    const tensor = this.#buffers.get(name);
    if (!tensor) throw new Error(`${this.constructor.name} has no buffer '${name}'`);
    return tensor;
  }

  /** Takes ownership of a tensor as a trainable parameter (kept beyond any tidy, gradient on). */
  protected registerParameter(name: string, tensor: Tensor): Tensor {
    this.#parameters.get(name)?.dispose();
    keep(tensor);
    if (!tensor.requiresGrad) tensor.requiresGrad_(true);
    this.#parameters.set(name, tensor);
    return tensor;
  }
  protected registerBuffer(name: string, tensor: Tensor): Tensor {
    this.#buffers.get(name)?.dispose();
    keep(tensor);
    this.#buffers.set(name, tensor);
    return tensor;
  }
  protected registerModule<M extends Module>(name: string, module: M): M {
    this.#children.set(name, module);
    return module;
  }

  children(): [string, Module][] { return [...this.#children]; }

  /** Every module with its dotted path ('' for this one), depth first in registration order. */
  namedModules(prefix = ''): [string, Module][] {
    const result: [string, Module][] = [[prefix, this]];
    for (const [name, child] of this.#children) result.push(...child.namedModules(prefix ? `${prefix}.${name}` : name));
    return result;
  }
  namedParameters(): [string, Tensor][] {
    const result: [string, Tensor][] = [];
    for (const [path, module] of this.namedModules()) {
      for (const [name, tensor] of module.#parameters) result.push([path ? `${path}.${name}` : name, tensor]);
    }
    return result;
  }
  parameters(): Tensor[] { return this.namedParameters().map(([, tensor]) => tensor); }
  namedBuffers(): [string, Tensor][] {
    const result: [string, Tensor][] = [];
    for (const [path, module] of this.namedModules()) {
      for (const [name, tensor] of module.#buffers) result.push([path ? `${path}.${name}` : name, tensor]);
    }
    return result;
  }
  /** Total number of parameter elements. */
  parameterCount(): number { return this.parameters().reduce((total, tensor) => total + tensor.numel, 0); }

  train(mode = true): this {
    for (const [, module] of this.namedModules()) module.training = mode;
    return this;
  }
  eval(): this { return this.train(false); }

  /** Parameters and buffers by dotted name (aliases: they change when the model trains). */
  stateDict(): NamedTensors {
    return Object.fromEntries([...this.namedParameters(), ...this.namedBuffers()]);
  }

  /** Copies values into this module's tensors; every key must match in name and shape. */
  loadStateDict(state: NamedTensors, options: { strict?: boolean } = {}): void {
    const own = this.stateDict();
    const strict = options.strict ?? true;
    const missing = Object.keys(own).filter((name) => !(name in state));
    const unexpected = Object.keys(state).filter((name) => !(name in own));
    if (strict && (missing.length > 0 || unexpected.length > 0)) {
      throw new Error(`state dict does not fit ${this.constructor.name}: ` +
        (missing.length ? `missing ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}` : '') +
        (missing.length && unexpected.length ? '; ' : '') +
        (unexpected.length ? `unexpected ${unexpected.slice(0, 5).join(', ')}${unexpected.length > 5 ? ', …' : ''}` : ''));
    }
    for (const [name, target] of Object.entries(own)) {
      const source = state[name];
      if (!source) continue;
      if (source.shape.join() !== target.shape.join()) {
        throw new Error(`state dict entry '${name}' has shape [${source.shape}], the model expects [${target.shape}]`);
      }
    }
    noGrad(() => tidy(() => {
      for (const [name, target] of Object.entries(own)) {
        const source = state[name];
        if (source) target.copy_(source.to(target.dtype));
      }
    }));
  }

  saveSafetensors(file: string, metadata: Record<string, string> = {}): void {
    saveSafetensors(file, this.stateDict(), metadata);
  }
  loadSafetensors(file: string): void {
    const { tensors } = loadSafetensors(file);
    try { this.loadStateDict(tensors); } finally { for (const tensor of Object.values(tensors)) tensor.dispose(); }
  }

  /**
   * Moves (or converts) every parameter and buffer, keeping names and gradient flags. A dtype target converts
   * floating tensors only (as PyTorch's module.double()): integer buffers such as num_batches_tracked stay int64.
   */
  to(target: Device | 'float32' | 'float64'): this {
    const isDtype = target === 'float32' || target === 'float64';
    const convert = (tensor: Tensor): boolean => !isDtype || isFloating(tensor.dtype);
    // In place, as PyTorch's `param.data = param.data.to(target)`: the same Tensor objects now hold the converted
    // data, so an optimizer or anything else holding a parameter keeps a live tensor (replacing them disposed
    // tensors that an optimizer still held).
    for (const [, module] of this.namedModules()) {
      const parameters = new Set(module.#parameters.values());
      for (const tensor of [...parameters, ...module.#buffers.values()]) {
        if (!convert(tensor)) continue;
        const moved = noGrad(() => tidy(() => tensor.detach().to(target)));
        if (moved.dtype !== tensor.dtype || moved.device !== tensor.device) {
          if (parameters.has(tensor)) tensor.grad = null; // a gradient of the old dtype or device
          tensor.setData_(moved);
        }
        moved.dispose();
      }
    }
    return this;
  }

  /** Frees every parameter and buffer. */
  dispose(): void {
    for (const [, module] of this.namedModules()) {
      for (const tensor of module.#parameters.values()) tensor.dispose();
      for (const tensor of module.#buffers.values()) tensor.dispose();
      module.#parameters.clear();
      module.#buffers.clear();
    }
  }

  /** Clears every parameter's .grad. */
  zeroGrad(): void { for (const tensor of this.parameters()) tensor.grad = null; }
}
