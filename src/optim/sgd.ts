// SGD with momentum, dampening, Nesterov and weight decay, with PyTorch's exact update order
// (torch.optim.SGD):
//   d_p = g + wd·p;  buf = μ·buf + (1−dampening)·d_p  (first step: buf = d_p);
//   nesterov: d_p = d_p + μ·buf, else d_p = buf;  p -= lr·d_p.
import { Tensor, foreachAdd, foreachAdd_, foreachMul_, keep, noGrad, tidy, type NamedTensors } from '../torch/index.js';

export interface SgdOptions {
  lr: number;
  momentum?: number;
  dampening?: number;
  weightDecay?: number;
  nesterov?: boolean;
}

const BUFFER_PREFIX = 'momentum_buffer.';

export class SGD {
  readonly momentum: number;
  readonly dampening: number;
  readonly weightDecay: number;
  readonly nesterov: boolean;
  readonly #parameters: [string, Tensor][];
  /** Momentum buffers by parameter name; absent until the parameter's first step, as in PyTorch. */
  readonly #buffers = new Map<string, Tensor>();
  #lr: number;

  /** `parameters`: named parameters (e.g. model.namedParameters()); names key the saved state. */
  constructor(parameters: [string, Tensor][], options: SgdOptions) {
    this.#lr = checkLr(options.lr);
    this.momentum = checkNonNegative('momentum', options.momentum ?? 0);
    this.dampening = checkNonNegative('dampening', options.dampening ?? 0);
    this.weightDecay = checkNonNegative('weightDecay', options.weightDecay ?? 0);
    this.nesterov = options.nesterov ?? false;
    if (this.nesterov && (this.momentum <= 0 || this.dampening !== 0)) {
      throw new RangeError(`SGD: Nesterov momentum needs momentum > 0 and dampening = 0, got momentum=${this.momentum}, dampening=${this.dampening}`);
    }
    const names = new Set<string>();
    for (const [name] of parameters) {
      if (names.has(name)) throw new Error(`SGD: parameter name '${name}' appears twice`);
      names.add(name);
    }
    this.#parameters = [...parameters];
  }

  get lr(): number { return this.#lr; }
  /** The learning rate for the next step(); schedules set it before each step. */
  set lr(value: number) { this.#lr = checkLr(value); }

  /**
   * One update of every parameter that has a gradient, in place. Whole lists per ATen call (_foreach ops, as
   * torch.optim.SGD's foreach path): the same arithmetic as one parameter at a time, a few calls per step.
   */
  step(): void {
    const { momentum, dampening, weightDecay, nesterov } = this;
    const lr = this.#lr;
    noGrad(() => tidy(() => {
      const stepped = this.#parameters.filter(([, parameter]) => parameter.grad !== null);
      if (stepped.length === 0) return;
      const parameters = stepped.map(([, parameter]) => parameter);
      const grads = parameters.map((parameter) => parameter.grad!);
      let directions = weightDecay !== 0 ? foreachAdd(grads, parameters, weightDecay) : grads;
      if (momentum !== 0) {
        // A buffer starts as a copy of its parameter's first direction; the others follow buf = μ·buf + (1−d)·d_p.
        const running = stepped.map(([name]) => this.#buffers.get(name));
        const old = running.flatMap((buffer, i) => (buffer ? [[buffer, directions[i]!] as const] : []));
        foreachMul_(old.map(([buffer]) => buffer), momentum);
        foreachAdd_(old.map(([buffer]) => buffer), old.map(([, direction]) => direction), 1 - dampening);
        const buffers = running.map((buffer, i) => {
          if (buffer) return buffer;
          const fresh = keep(directions[i]!.clone().detach());
          this.#buffers.set(stepped[i]![0], fresh);
          return fresh;
        });
        directions = nesterov ? foreachAdd(directions, buffers, momentum) : buffers;
      }
      foreachAdd_(parameters, directions, -lr);
    }));
  }

  /** Momentum buffers as `momentum_buffer.<parameter name>` (aliases; copy or save them, do not free them). */
  stateDict(): NamedTensors {
    return Object.fromEntries([...this.#buffers].map(([name, buffer]) => [BUFFER_PREFIX + name, buffer]));
  }

  /** Replaces the momentum buffers with copies of the saved ones; every name must be a parameter of this optimizer. */
  loadStateDict(state: NamedTensors): void {
    const shapes = new Map(this.#parameters.map(([name, parameter]) => [name, parameter]));
    const loaded = new Map<string, Tensor>();
    for (const [key, saved] of Object.entries(state)) {
      if (!key.startsWith(BUFFER_PREFIX)) throw new Error(`SGD state: unexpected entry '${key}' (expected momentum_buffer.<name>)`);
      const name = key.slice(BUFFER_PREFIX.length);
      const parameter = shapes.get(name);
      if (!parameter) throw new Error(`SGD state: momentum buffer for '${name}', which is not a parameter of this optimizer`);
      if (saved.shape.join() !== parameter.shape.join()) {
        throw new Error(`SGD state: momentum buffer '${name}' has shape [${saved.shape}], the parameter has [${parameter.shape}]`);
      }
      loaded.set(name, keep(noGrad(() => tidy(() => saved.to(parameter.dtype).to(parameter.device as 'cpu').contiguous().clone()))));
    }
    this.disposeState();
    for (const [name, buffer] of loaded) this.#buffers.set(name, buffer);
  }

  /** Frees the momentum buffers (the next step starts them afresh). */
  disposeState(): void {
    for (const buffer of this.#buffers.values()) buffer.dispose();
    this.#buffers.clear();
  }
}

function checkLr(lr: number): number {
  if (typeof lr !== 'number' || !Number.isFinite(lr) || lr < 0) throw new RangeError(`SGD: learning rate must be a finite number ≥ 0, got ${lr}`);
  return lr;
}

function checkNonNegative(name: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new RangeError(`SGD: ${name} must be a finite number ≥ 0, got ${value}`);
  return value;
}
