// Neural-network functions (torch.nn.functional), each one ATen op with PyTorch's defaults.
import { aten, atenNamed } from './ops.js';
import { handleOf, Tensor, wrap } from './tensor.js';

const F = {
  linear: aten('linear'), conv2d: atenNamed('conv2d'), batchNorm: atenNamed('batch_norm'), relu: aten('relu'),
  maxPool2d: atenNamed('max_pool2d'), avgPool2d: atenNamed('avg_pool2d'), adaptiveAvgPool2d: aten('adaptive_avg_pool2d'),
  dropout: aten('dropout'), logSoftmax: aten('log_softmax.int'), softmax: aten('softmax.int'),
  crossEntropy: atenNamed('cross_entropy_loss'), nll: atenNamed('nll_loss_nd'), mse: aten('mse_loss'), l1: aten('l1_loss'),
  oneHot: aten('one_hot'), pad: aten('constant_pad_nd'), standardGamma: aten('_standard_gamma'),
};

export type Reduction = 'none' | 'mean' | 'sum';
const reductionCode = (reduction: Reduction = 'mean'): number => {
  const code = { none: 0, mean: 1, sum: 2 }[reduction];
  if (code === undefined) throw new TypeError(`unknown reduction '${reduction}'; expected none, mean or sum`);
  return code;
};
const h = (tensor: Tensor | null | undefined) => (tensor === null || tensor === undefined ? null : handleOf(tensor));
type Pair = number | [number, number];

/** x Wᵀ + b */
export function linear(input: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  return wrap(F.linear(handleOf(input), handleOf(weight), h(bias)));
}

export interface Conv2dOptions { bias?: Tensor | null; stride?: Pair; padding?: Pair; dilation?: Pair; groups?: number }
export function conv2d(input: Tensor, weight: Tensor, options: Conv2dOptions = {}): Tensor {
  return wrap(F.conv2d({
    input: handleOf(input), weight: handleOf(weight), bias: h(options.bias),
    stride: options.stride ?? 1, padding: options.padding ?? 0, dilation: options.dilation ?? 1, groups: options.groups ?? 1,
  }));
}

export interface BatchNormOptions {
  weight?: Tensor | null; bias?: Tensor | null; runningMean?: Tensor | null; runningVar?: Tensor | null;
  /** Batch statistics (and running-stat updates) when true; running statistics when false. */
  training: boolean; momentum?: number; eps?: number;
}
export function batchNorm(input: Tensor, options: BatchNormOptions): Tensor {
  return wrap(F.batchNorm({
    input: handleOf(input), weight: h(options.weight), bias: h(options.bias),
    running_mean: h(options.runningMean), running_var: h(options.runningVar),
    training: options.training, momentum: options.momentum ?? 0.1, eps: options.eps ?? 1e-5, cudnn_enabled: true,
  }));
}

export function relu(input: Tensor): Tensor { return wrap(F.relu(handleOf(input))); }

export interface PoolOptions { stride?: Pair; padding?: Pair; ceilMode?: boolean }
export function maxPool2d(input: Tensor, kernelSize: Pair, options: PoolOptions & { dilation?: Pair } = {}): Tensor {
  return wrap(F.maxPool2d({
    self: handleOf(input), kernel_size: kernelSize, stride: options.stride ?? kernelSize, padding: options.padding ?? 0,
    dilation: options.dilation ?? 1, ceil_mode: options.ceilMode ?? false,
  }));
}
export function avgPool2d(input: Tensor, kernelSize: Pair, options: PoolOptions & { countIncludePad?: boolean } = {}): Tensor {
  return wrap(F.avgPool2d({
    self: handleOf(input), kernel_size: kernelSize, stride: options.stride ?? kernelSize, padding: options.padding ?? 0,
    ceil_mode: options.ceilMode ?? false, count_include_pad: options.countIncludePad ?? true, divisor_override: null,
  }));
}
export function adaptiveAvgPool2d(input: Tensor, outputSize: Pair): Tensor {
  return wrap(F.adaptiveAvgPool2d(handleOf(input), outputSize));
}

export function dropout(input: Tensor, p: number, training: boolean): Tensor {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`dropout: p must be in [0, 1], got ${p}`);
  return wrap(F.dropout(handleOf(input), p, training));
}

export function logSoftmax(input: Tensor, dim = -1): Tensor { return wrap(F.logSoftmax(handleOf(input), dim, null)); }
export function softmax(input: Tensor, dim = -1): Tensor { return wrap(F.softmax(handleOf(input), dim, null)); }

/** Cross entropy of logits [N, C] against int64 class targets [N]. */
export function crossEntropy(logits: Tensor, target: Tensor, options: { reduction?: Reduction; labelSmoothing?: number } = {}): Tensor {
  return wrap(F.crossEntropy({
    self: handleOf(logits), target: handleOf(target), weight: null, reduction: reductionCode(options.reduction),
    ignore_index: -100, label_smoothing: options.labelSmoothing ?? 0,
  }));
}
/** Negative log-likelihood of log-probabilities [N, C] against int64 targets [N]. */
export function nllLoss(logProbabilities: Tensor, target: Tensor, reduction: Reduction = 'mean'): Tensor {
  return wrap(F.nll({
    self: handleOf(logProbabilities), target: handleOf(target), weight: null, reduction: reductionCode(reduction), ignore_index: -100,
  }));
}
export function mseLoss(input: Tensor, target: Tensor, reduction: Reduction = 'mean'): Tensor {
  return wrap(F.mse(handleOf(input), handleOf(target), reductionCode(reduction)));
}
export function l1Loss(input: Tensor, target: Tensor, reduction: Reduction = 'mean'): Tensor {
  return wrap(F.l1(handleOf(input), handleOf(target), reductionCode(reduction)));
}
export function oneHot(classes: Tensor, numClasses: number): Tensor { return wrap(F.oneHot(handleOf(classes), numClasses)); }
/** Pads the last dimensions: [left, right, top, bottom, ...] as torch.nn.functional.pad (constant mode). */
export function pad(input: Tensor, padding: number[], value = 0): Tensor { return wrap(F.pad(handleOf(input), padding, value)); }
/** Gamma(concentration, 1) draws, one per element of `concentration`, from the global generator. */
export function standardGamma(concentration: Tensor): Tensor { return wrap(F.standardGamma(handleOf(concentration), null)); }
