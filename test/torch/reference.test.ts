// conv2d, batchNorm and crossEntropy (values and gradients) against PyTorch on identical inputs. The inputs go
// to Python in a .pt file we write; the answers come back in a .pt file torch.save writes.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import * as T from '../../src/torch/index.js';
import { pseudoTensor as random } from '../helpers/gradcheck.js';
import { hasPyTorch, noPyTorch, runReference, temporaryDirectory } from '../helpers/pytorch.js';

const { F } = T;
const skip = hasPyTorch() ? false : noPyTorch;
const temporary = temporaryDirectory('reference');
after(() => temporary.remove());

function maxRelativeError(ours: T.Tensor, theirs: T.Tensor): number {
  assert.deepEqual(ours.shape, theirs.shape, 'shapes');
  assert.equal(ours.dtype, theirs.dtype, 'dtypes');
  return T.tidy(() => {
    const difference = ours.double().sub(theirs.double()).abs().max().item();
    return difference / Math.max(1e-30, theirs.double().abs().max().item());
  });
}

test('conv2d, batchNorm and crossEntropy match torch.nn.functional on the same inputs', { skip }, () => {
  T.tidy(() => {
    const inputs = {
      x: random([2, 4, 9, 9], 1),
      w_plain: random([5, 4, 3, 3], 2), b_plain: random([5], 3),
      w_grouped: random([6, 2, 3, 3], 4), b_grouped: random([6], 5),
      w_asym: random([3, 4, 2, 3], 6),
      proj: random([2, 6, 4, 4], 7),
      bn_x: random([6, 3, 4, 4], 8, 3), bn_weight: random([3], 9), bn_bias: random([3], 10),
      bn_running_mean: random([3], 11), bn_running_var: random([3], 12).abs().add(0.5),
      logits: random([7, 5], 13, 4), target: T.tensor(BigInt64Array.from([0n, 4n, 2n, 2n, 1n, 3n, 0n])),
    };
    const inputFile = path.join(temporary.dir, 'inputs.pt');
    const outputFile = path.join(temporary.dir, 'outputs.pt');
    T.savePt(inputFile, inputs);
    runReference('engine.py', ['ops', inputFile, outputFile]);
    const theirs = T.loadPt(outputFile);

    const ours: Record<string, T.Tensor> = {};
    const { x, proj } = inputs;
    ours.conv_plain = F.conv2d(x, inputs.w_plain, { bias: inputs.b_plain });
    ours.conv_grouped = F.conv2d(x, inputs.w_grouped, { bias: inputs.b_grouped, stride: 2, padding: 1, dilation: 2, groups: 2 });
    ours.conv_asymmetric = F.conv2d(x, inputs.w_asym, { stride: [2, 1], padding: [0, 2] });
    ours.conv_float32 = F.conv2d(x.float(), inputs.w_plain.float(), { bias: inputs.b_plain.float(), padding: 1 });
    const leaves = [x, inputs.w_grouped, inputs.b_grouped].map((t) => t.detach().requiresGrad_(true));
    const conv = F.conv2d(leaves[0], leaves[1], { bias: leaves[2], stride: 2, padding: 1, dilation: 2, groups: 2 });
    [ours.conv_grad_input, ours.conv_grad_weight, ours.conv_grad_bias] = T.grad(conv.mul(proj).sum(), leaves) as T.Tensor[];

    const runningMean = inputs.bn_running_mean.clone();
    const runningVar = inputs.bn_running_var.clone();
    const bn = { weight: inputs.bn_weight, bias: inputs.bn_bias, momentum: 0.2, eps: 1e-3 };
    ours.bn_train = F.batchNorm(inputs.bn_x, { ...bn, runningMean, runningVar, training: true });
    ours.bn_running_mean = runningMean;
    ours.bn_running_var = runningVar;
    ours.bn_eval = F.batchNorm(inputs.bn_x, { ...bn, runningMean: inputs.bn_running_mean, runningVar: inputs.bn_running_var, training: false });
    const bx = inputs.bn_x.detach().requiresGrad_(true);
    const bw = inputs.bn_weight.detach().requiresGrad_(true);
    const y = F.batchNorm(bx, { ...bn, weight: bw, runningMean: inputs.bn_running_mean.clone(),
      runningVar: inputs.bn_running_var.clone(), training: true });
    [ours.bn_grad_input, ours.bn_grad_weight] = T.grad(y.mul(y).sum(), [bx, bw]) as T.Tensor[];

    const { logits, target } = inputs;
    ours.ce_mean = F.crossEntropy(logits, target);
    ours.ce_sum = F.crossEntropy(logits, target, { reduction: 'sum' });
    ours.ce_none = F.crossEntropy(logits, target, { reduction: 'none' });
    ours.ce_smooth = F.crossEntropy(logits, target, { labelSmoothing: 0.1 });
    const z = logits.detach().requiresGrad_(true);
    [ours.ce_grad] = T.grad(F.crossEntropy(z, target), [z]) as T.Tensor[];

    assert.deepEqual(Object.keys(theirs).sort(), Object.keys(ours).sort());
    for (const name of Object.keys(ours)) {
      const tolerance = name.endsWith('float32') ? 1e-5 : 1e-12;
      const error = maxRelativeError(ours[name], theirs[name]);
      assert.ok(error <= tolerance, `${name}: relative error ${error} > ${tolerance}`);
    }
  });
});
