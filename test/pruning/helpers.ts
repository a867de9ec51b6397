// Shared by the pruning tests: tiny models with known structure, fixed input sources, statistics, PyTorch runs.
import assert from 'node:assert/strict';
import * as T from '../../src/torch/index.js';
import {
  AdaptiveAvgPool2d, BatchNorm2d, Conv2d, Flatten, Linear, MaxPool2d, Module, ReLU, Sequential,
} from '../../src/nn/index.js';
import { prune, scoreModel, type BatchSource } from '../../src/pruning/index.js';

/** Flattens [N, ...] inputs, then the given layers in order. */
export class Flat extends Sequential {
  constructor(readonly inputShape: number[], ...layers: Module[]) { super(new Flatten(), ...layers); }
}

/** A bias-free ReLU network d₀→d₁→…→d_L on inputs of shape [1, 1, d₀]. */
export function deepLinear(widths: number[], bias = false): Flat {
  const layers: Module[] = [];
  for (let index = 0; index + 1 < widths.length; index++) {
    layers.push(new Linear(widths[index], widths[index + 1], { bias }));
    if (index + 2 < widths.length) layers.push(new ReLU());
  }
  return new Flat([1, 1, widths[0]], ...layers);
}

/** conv(bias)+BN+ReLU+maxpool, conv+BN+ReLU, global average pool, linear: names 0.weight … 9.bias as PyTorch's. */
export class SmallConvNet extends Sequential {
  readonly inputShape = [3, 8, 8];
  readonly numClasses = 5;
  constructor() {
    super(new Conv2d(3, 4, 3, { padding: 1 }), new BatchNorm2d(4), new ReLU(), new MaxPool2d(2),
      new Conv2d(4, 6, 3, { padding: 1, bias: false }), new BatchNorm2d(6), new ReLU(), new AdaptiveAvgPool2d(1),
      new Flatten(), new Linear(6, 5));
  }
}

/** Gives every batch-norm layer non-trivial running statistics and affine values (some negative). */
export function randomizeBatchNorm(model: Module): void {
  T.noGrad(() => T.tidy(() => {
    for (const [name, tensor] of [...model.namedParameters(), ...model.namedBuffers()]) {
      if (/running_mean$/.test(name)) tensor.copy_(T.randn(tensor.shape).mul(0.3));
      if (/running_var$/.test(name)) tensor.copy_(T.rand(tensor.shape).add(0.5));
      if (/^(1|5)\.(weight|bias)$/.test(name)) tensor.copy_(T.randn(tensor.shape).mul(0.5).add(name.endsWith('weight') ? 1 : 0));
      if (/^0\.bias$/.test(name)) tensor.copy_(T.randn(tensor.shape).mul(0.1));
    }
  }));
}

/** Random running statistics and affine values (some negative) in every batch norm of a registry model. */
export function randomizeAllBatchNorm(model: Module): void {
  T.noGrad(() => T.tidy(() => {
    for (const [name, tensor] of [...model.namedParameters(), ...model.namedBuffers()]) {
      if (/running_mean$/.test(name)) tensor.copy_(T.randn(tensor.shape).mul(0.3));
      if (/running_var$/.test(name)) tensor.copy_(T.rand(tensor.shape).add(0.5));
      if (/bn\d?\.(weight|bias)$|shortcut\.1\.(weight|bias)$/.test(name)) tensor.copy_(T.randn(tensor.shape).mul(0.5).add(name.endsWith('weight') ? 1 : 0));
    }
  }));
}

/**
 * SynFlow's scaled float32 (batch norm folded, layers scaled) equals float64 on the model `make` builds (seed 8),
 * score by score to 2e-6, and 10 pruning iterations to density 0.1 give the same masks in both precisions.
 */
export async function scaledSynflowMatchesFloat64(make: () => Module): Promise<void> {
  T.manualSeed(8);
  const model = make();
  model.eval();
  const scaled = scoreModel(model, { method: 'synflow' });
  const exact = scoreModel(model, { method: 'synflow', precision: 'float64' });
  for (const [name, score] of exact) {
    const error = relativeError(scaled.get(name)!, score);
    assert.ok(error < 2e-6, `${name}: relative error ${error}`);
  }
  for (const score of [...scaled.values(), ...exact.values()]) score.dispose();
  const fast = await prune(model, { method: 'synflow', density: 0.1, iterations: 10 });
  const slow = await prune(model, { method: 'synflow', density: 0.1, iterations: 10, precision: 'float64' });
  assert.equal(fast.record.options.precision, 'float32');
  assert.equal(slow.record.options.precision, 'float64');
  for (const [name, mask] of slow.masks.entries()) assert.deepEqual(fast.masks.get(name).toArray(), mask.toArray(), name);
  fast.masks.dispose();
  slow.masks.dispose();
  model.dispose();
}

/** A source that returns the same batches in turn (copies, so callers may dispose them). */
export function fixedSource(batches: { inputs: T.Tensor; labels: T.Tensor }[]): BatchSource {
  let next = 0;
  return {
    next: () => {
      const batch = batches[next++ % batches.length];
      return { inputs: batch.inputs.clone(), labels: batch.labels.clone() };
    },
  };
}

/** max |a - b| / max |b| over all entries. */
export function relativeError(actual: T.Tensor, expected: T.Tensor): number {
  return T.tidy(() => {
    const scale = expected.abs().max().item();
    const difference = actual.to('float64').sub(expected.to('float64')).abs().max().item();
    return scale === 0 ? difference : difference / scale;
  });
}

/** z for two-sided tests at about 1 in 10^4 false failures per comparison (stated in each test). */
export const Z = 4;

// The suite's one PyTorch runner (test/helpers/pytorch.ts), under the names these tests use.
export { hasPyTorch, runReference as runPython } from '../helpers/pytorch.js';
