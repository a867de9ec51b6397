// Layers of the standard architectures. Weights start Kaiming-normal (fan_in, ReLU gain), biases at zero,
// batch-norm γ=1 β=0, as the lottery-ticket reference code initialises them.
import { Tensor, F, zeros, ones, empty, tensor } from '../torch/index.js';
import { Module } from './module.js';
import { chain } from './chain.js';
import { kaimingNormal_ } from './init.js';

type Pair = number | [number, number];

export class Linear extends Module {
  constructor(readonly inFeatures: number, readonly outFeatures: number, options: { bias?: boolean } = {}) {
    super();
    checkPositive('Linear', { inFeatures, outFeatures });
    this.registerParameter('weight', kaimingNormal_(empty([outFeatures, inFeatures])));
    if (options.bias ?? true) this.registerParameter('bias', zeros([outFeatures]));
  }
  get weight(): Tensor { return this.parameter('weight'); }
  get bias(): Tensor | null { return this.optionalParameter('bias'); }
  forward(input: Tensor): Tensor { return F.linear(input, this.weight, this.bias); }
}

export interface Conv2dOptions { stride?: Pair; padding?: Pair; dilation?: Pair; groups?: number; bias?: boolean }

export class Conv2d extends Module {
  readonly options: Required<Omit<Conv2dOptions, 'bias'>>;
  constructor(readonly inChannels: number, readonly outChannels: number, readonly kernelSize: Pair,
    options: Conv2dOptions = {}) {
    super();
    checkPositive('Conv2d', { inChannels, outChannels });
    const groups = options.groups ?? 1;
    if (inChannels % groups !== 0 || outChannels % groups !== 0) {
      throw new Error(`Conv2d: channels ${inChannels}→${outChannels} are not divisible by groups=${groups}`);
    }
    this.options = { stride: options.stride ?? 1, padding: options.padding ?? 0, dilation: options.dilation ?? 1, groups };
    const [kh, kw] = typeof kernelSize === 'number' ? [kernelSize, kernelSize] : kernelSize;
    this.registerParameter('weight', kaimingNormal_(empty([outChannels, inChannels / groups, kh, kw])));
    if (options.bias ?? true) this.registerParameter('bias', zeros([outChannels]));
  }
  get weight(): Tensor { return this.parameter('weight'); }
  get bias(): Tensor | null { return this.optionalParameter('bias'); }
  forward(input: Tensor): Tensor { return F.conv2d(input, this.weight, { bias: this.bias, ...this.options }); }
}

/** Batch norm over channel dim 1 (works for [N, C] and [N, C, H, W]), with running statistics. */
class BatchNorm extends Module {
  constructor(readonly numFeatures: number, readonly options: { eps?: number; momentum?: number; affine?: boolean } = {}) {
    super();
    checkPositive(this.constructor.name, { numFeatures });
    if (options.affine ?? true) {
      this.registerParameter('weight', ones([numFeatures]));
      this.registerParameter('bias', zeros([numFeatures]));
    }
    this.registerBuffer('running_mean', zeros([numFeatures]));
    this.registerBuffer('running_var', ones([numFeatures]));
    this.registerBuffer('num_batches_tracked', tensor(new BigInt64Array([0n]), []));
  }
  get weight(): Tensor | null { return this.optionalParameter('weight'); }
  get bias(): Tensor | null { return this.optionalParameter('bias'); }
  get runningMean(): Tensor { return this.buffer('running_mean'); }
  get runningVar(): Tensor { return this.buffer('running_var'); }
  forward(input: Tensor): Tensor {
    if (this.training) this.buffer('num_batches_tracked').add_(1);
    return F.batchNorm(input, {
      weight: this.weight, bias: this.bias, runningMean: this.runningMean, runningVar: this.runningVar,
      training: this.training, momentum: this.options.momentum ?? 0.1, eps: this.options.eps ?? 1e-5,
    });
  }
}
export class BatchNorm1d extends BatchNorm {}
export class BatchNorm2d extends BatchNorm {}

export class ReLU extends Module {
  forward(input: Tensor): Tensor { return F.relu(input); }
}
export class Identity extends Module {
  forward(input: Tensor): Tensor { return input; }
}
export class Flatten extends Module {
  forward(input: Tensor): Tensor { return input.flatten(1); }
}
export class MaxPool2d extends Module {
  constructor(readonly kernelSize: Pair, readonly options: { stride?: Pair; padding?: Pair } = {}) { super(); }
  forward(input: Tensor): Tensor { return F.maxPool2d(input, this.kernelSize, this.options); }
}
export class AvgPool2d extends Module {
  constructor(readonly kernelSize: Pair, readonly options: { stride?: Pair; padding?: Pair } = {}) { super(); }
  forward(input: Tensor): Tensor { return F.avgPool2d(input, this.kernelSize, this.options); }
}
export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: Pair) { super(); }
  forward(input: Tensor): Tensor { return F.adaptiveAvgPool2d(input, this.outputSize); }
}
export class Dropout extends Module {
  constructor(readonly p = 0.5) { super(); }
  forward(input: Tensor): Tensor { return F.dropout(input, this.p, this.training); }
}

/** Children named '0', '1', … as in PyTorch, applied in order. */
export class Sequential extends Module {
  readonly layers: Module[];
  constructor(...layers: Module[]) {
    super();
    this.layers = layers;
    layers.forEach((layer, index) => this.registerModule(String(index), layer));
  }
  /** Frees each intermediate output once the next layer has used it (see chain.ts). */
  forward(input: Tensor): Tensor { return chain(input, ...this.layers); }
}

/** Children named '0', '1', … as in PyTorch's nn.ModuleList: a container whose owner decides how to call them. */
export class ModuleList<M extends Module = Module> extends Module {
  readonly items: M[];
  constructor(items: M[]) {
    super();
    this.items = items;
    items.forEach((item, index) => this.registerModule(String(index), item));
  }
  get length(): number { return this.items.length; }
  forward(): Tensor { throw new Error('ModuleList has no forward of its own; call its items'); }
}

function checkPositive(layer: string, values: Record<string, number>): void {
  for (const [name, value] of Object.entries(values)) {
    if (!Number.isInteger(value) || value <= 0) throw new RangeError(`${layer}: ${name} must be a positive integer, got ${value}`);
  }
}
