// Frankle & Carbin's Conv-2/4/6 (the lottery-ticket paper's CIFAR-10 CNNs): pairs of 3×3 same-padding
// convolutions (64,64 / 128,128 / 256,256) each followed by a 2×2 max-pool, then FC 256-256-classes.
// Names follow torchvision's VGG: `features.<i>` (conv, ReLU and pool modules) and `classifier.<i>`.
import { Tensor } from '../../torch/index.js';
import { Conv2d, Linear, MaxPool2d, ReLU, Sequential } from '../layers.js';
import { Module } from '../module.js';
import { chain } from '../chain.js';
import { Classifier, checkMinimumSize, type ImageShape } from './classifier.js';

const pairWidths = [64, 128, 256];

export class SmallConvNet extends Classifier {
  readonly features: Sequential;
  readonly classifier: Sequential;

  /** convLayers: 2, 4 or 6. */
  constructor(inputShape: ImageShape, numClasses: number, readonly convLayers: 2 | 4 | 6) {
    super(inputShape, numClasses);
    if (![2, 4, 6].includes(convLayers)) throw new RangeError(`SmallConvNet: convLayers must be 2, 4 or 6, got ${convLayers}`);
    const pools = convLayers / 2;
    checkMinimumSize(inputShape, 2 ** pools, `Conv-${convLayers}`, `${pools} max-pools of stride 2`);
    const layers: Module[] = [];
    let channels = inputShape[0];
    for (let pair = 0; pair < pools; pair++) {
      for (let i = 0; i < 2; i++) {
        layers.push(new Conv2d(channels, pairWidths[pair], 3, { padding: 1 }), new ReLU());
        channels = pairWidths[pair];
      }
      layers.push(new MaxPool2d(2));
    }
    this.features = this.registerModule('features', new Sequential(...layers));
    const shrink = 2 ** pools;
    const flat = channels * Math.floor(inputShape[1] / shrink) * Math.floor(inputShape[2] / shrink);
    this.classifier = this.registerModule('classifier', new Sequential(
      new Linear(flat, 256), new ReLU(), new Linear(256, 256), new ReLU(), new Linear(256, numClasses)));
  }

  forward(input: Tensor): Tensor {
    this.checkInput(input);
    return chain(input, this.features, (x) => x.flatten(1), this.classifier);
  }
}
