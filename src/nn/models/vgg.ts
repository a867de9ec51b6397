// CIFAR VGG with batch norm as in OpenLTH's cifar_vgg (ported by Synaptic-Flow as lottery_vgg *_bn):
// 3×3 conv (with bias) + BN + ReLU modules and 2×2 max-pools, then one linear layer 512 → classes.
// OpenLTH averages the final 2×2 map of a 32×32 input with AvgPool2d(2); we average the whole final map
// (adaptive pooling to 1×1), which is the same for 32×32 and keeps fc at 512 inputs for 64×64 or 28×28.
// Names: `layers.<i>.conv`, `layers.<i>.bn` (i counts pools too), `fc`.
import { Tensor, F } from '../../torch/index.js';
import { BatchNorm2d, Conv2d, Linear, MaxPool2d, Sequential } from '../layers.js';
import { Module } from '../module.js';
import { chain, reluInPlace } from '../chain.js';
import { Classifier, checkMinimumSize, type ImageShape } from './classifier.js';

export type VggDepth = 11 | 13 | 16 | 19;

/** OpenLTH's plans: channel counts, 'M' = 2×2 max-pool (no pool after the last group). */
export const vggPlans: Record<VggDepth, (number | 'M')[]> = {
  11: [64, 'M', 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512],
  13: [64, 64, 'M', 128, 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512],
  16: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512],
  19: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 256, 'M', 512, 512, 512, 512, 'M', 512, 512, 512, 512],
};

/** conv → BN → ReLU. */
export class ConvBnRelu extends Module {
  readonly conv: Conv2d;
  readonly bn: BatchNorm2d;
  constructor(inChannels: number, outChannels: number) {
    super();
    this.conv = this.registerModule('conv', new Conv2d(inChannels, outChannels, 3, { padding: 1 }));
    this.bn = this.registerModule('bn', new BatchNorm2d(outChannels));
  }
  forward(input: Tensor): Tensor { return chain(input, this.conv, this.bn, reluInPlace); }
}

export class Vgg extends Classifier {
  readonly layers: Sequential;
  readonly fc: Linear;

  constructor(inputShape: ImageShape, numClasses: number, readonly depth: VggDepth) {
    super(inputShape, numClasses);
    const plan = vggPlans[depth];
    if (!plan) throw new RangeError(`Vgg: depth must be 11, 13, 16 or 19, got ${depth}`);
    const pools = plan.filter((spec) => spec === 'M').length;
    checkMinimumSize(inputShape, 2 ** pools, `VGG-${depth}`, `${pools} max-pools of stride 2`);
    const modules: Module[] = [];
    let channels = inputShape[0];
    for (const spec of plan) {
      if (spec === 'M') {
        modules.push(new MaxPool2d(2));
      } else {
        modules.push(new ConvBnRelu(channels, spec));
        channels = spec;
      }
    }
    this.layers = this.registerModule('layers', new Sequential(...modules));
    this.fc = this.registerModule('fc', new Linear(channels, numClasses));
  }

  forward(input: Tensor): Tensor {
    this.checkInput(input);
    return chain(input, this.layers, (x) => F.adaptiveAvgPool2d(x, 1), (x) => x.flatten(1), this.fc);
  }
}
