// Acceptance run on the real Fashion-MNIST: LeNet-300-100 trained densely and with a random 10% mask through
// the same path as `sketchprune train`, asserting after every step of the masked run that every masked
// weight is exactly zero. Prints test accuracy of both.
// Usage: node dist/bench/train-fashion-mnist.js [--epochs 10] [--threads 1] [--out DIR] [--data-dir DIR]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadSafetensors, manualSeed, noGrad, rand, setNumThreads, tidy } from '../src/torch/index.js';
import { MaskSet, createModel, prunableParameters } from '../src/nn/index.js';
import { runTraining, type TrainingSpec } from '../src/train/index.js';

const { values } = parseArgs({
  options: {
    epochs: { type: 'string', default: '10' }, threads: { type: 'string' }, out: { type: 'string' },
    'data-dir': { type: 'string' }, density: { type: 'string', default: '0.1' },
  },
});
if (values.threads) setNumThreads(Number(values.threads));
const out = values.out ?? fs.mkdtempSync(path.join(os.tmpdir(), 'sketchprune-fmnist-'));
const density = Number(values.density);

// The recipe: SGD lr 0.1, momentum 0.9, weight decay 1e-4, batch 128, cosine decay per step.
const base: TrainingSpec = {
  model: 'lenet300', dataset: 'fashion-mnist', epochs: Number(values.epochs), batchSize: 128, lr: 0.1, momentum: 0.9,
  weightDecay: 1e-4, nesterov: false, schedule: 'cosine', milestones: [], gamma: 0.1, warmupEpochs: 0, minLr: 0,
  stepping: 'iteration', mask: null, out: path.join(out, 'dense'), seed: 0, resume: false, dataDir: values['data-dir'] ?? null,
  device: 'cpu', limitTrain: 0, limitTest: 0, augment: 'auto', testBatchSize: 1000, checkpointEverySteps: 0, logEverySteps: 0,
};

// A random mask keeping `density` of each prunable weight tensor (weights of the three linear layers).
manualSeed(12345);
const shapeModel = createModel('lenet300', { inputShape: [1, 28, 28], numClasses: 10 });
const randomMask = new MaskSet(prunableParameters(shapeModel).map(([name, p]) => [name, tidy(() => rand(p.shape).lt(density).float())]));
const maskFile = path.join(out, 'random-mask.safetensors');
randomMask.save(maskFile, { method: 'random', density: String(density) });
console.log(`random mask: density ${(100 * randomMask.density()).toFixed(2)}% in ${maskFile}`);
shapeModel.dispose();

const dense = await runTraining(base, { progress: 'lines' });
let checkedSteps = 0;
const masked = await runTraining({ ...base, mask: maskFile, out: path.join(out, 'masked') }, {
  progress: 'lines',
  onStep: (info, model, masks) => {
    const parameters = new Map(model.namedParameters());
    for (const [name, mask] of masks!.entries()) {
      const largest = noGrad(() => tidy(() => parameters.get(name)!.abs().mul(mask.eq(0)).max().item()));
      if (largest !== 0) throw new Error(`step ${info.globalStep}: a masked weight of ${name} is ${largest}, not 0`);
    }
    checkedSteps++;
  },
});
// The saved final weights too: every position the mask zeroes is exactly 0.
const { tensors } = loadSafetensors(masked.modelFile!);
let zeros = 0;
let maskedPositions = 0;
for (const [name, mask] of randomMask.entries()) {
  const weights = tensors[name].toArray();
  mask.toArray().forEach((value, i) => { if (value === 0) { maskedPositions++; if (Object.is(weights[i], 0)) zeros++; } });
}
if (zeros !== maskedPositions) throw new Error(`final model: ${maskedPositions - zeros} masked weights are not exactly 0`);
console.log(`| run | epochs | test top-1 | test top-5 | test loss |\n| --- | ---: | ---: | ---: | ---: |`);
for (const [name, result] of [['lenet300 dense', dense], [`lenet300 random ${(100 * density).toFixed(0)}% mask`, masked]] as const) {
  console.log(`| ${name} | ${result.epochsCompleted} | ${(100 * result.test!.top1).toFixed(2)}% | ${(100 * result.test!.top5).toFixed(2)}% | ${result.test!.loss.toFixed(4)} |`);
}
console.log(`masked run: all ${maskedPositions.toLocaleString('en-US')} masked weights were exactly 0 after each of ${checkedSteps} steps and in the saved model`);
