// ResNet-18 for 64×64 inputs (Tiny-ImageNet), as Synaptic-Flow's tinyimagenet_resnet: torchvision's ResNet-18
// with a 3×3 stride-1 stem and no max-pool, basic blocks with 64, 128, 256, 512 channels (two per stage), global
// average pooling, one linear layer. `widthMultiplier` k scales every channel count (64k, …, 512k): WRN-18-k.
// (Synaptic-Flow's wide_resnet18 passes a width that basic blocks ignore, so it equals ResNet-18; ours widens.)
// Names follow torchvision: `conv1`, `bn1`, `layer<s>.<i>.{conv1,bn1,conv2,bn2}`, `layer<s>.<i>.downsample.{0,1}`, `fc`.
import { Tensor, F } from '../../torch/index.js';
import { BatchNorm2d, Conv2d, Linear, Sequential } from '../layers.js';
import { chain, reluInPlace } from '../chain.js';
import { BasicBlock } from './basic-block.js';
import { Classifier, checkMinimumSize, checkPositiveInteger, type ImageShape } from './classifier.js';

export class ResNet extends Classifier {
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly stages: Sequential[];
  readonly fc: Linear;

  /** blocksPerStage: [2, 2, 2, 2] for ResNet-18; widthMultiplier: 1 for ResNet-18, k for WRN-18-k. */
  constructor(inputShape: ImageShape, numClasses: number, readonly blocksPerStage: number[] = [2, 2, 2, 2],
    readonly widthMultiplier = 1) {
    super(inputShape, numClasses);
    checkPositiveInteger(widthMultiplier, 'ResNet: widthMultiplier');
    if (blocksPerStage.length === 0) throw new RangeError('ResNet: blocksPerStage must list at least one stage');
    blocksPerStage.forEach((count, stage) => checkPositiveInteger(count, `ResNet: blocksPerStage[${stage}]`));
    const stridedStages = blocksPerStage.length - 1;
    const depth = 2 + 2 * blocksPerStage.reduce((a, b) => a + b, 0);
    const label = widthMultiplier === 1 ? `ResNet-${depth}` : `WRN-${depth}-${widthMultiplier}`;
    checkMinimumSize(inputShape, 2 ** stridedStages, label, `${stridedStages} stages of stride 2`);
    const base = 64 * widthMultiplier;
    this.conv1 = this.registerModule('conv1', new Conv2d(inputShape[0], base, 3, { padding: 1, bias: false }));
    this.bn1 = this.registerModule('bn1', new BatchNorm2d(base));
    let channels = base;
    this.stages = blocksPerStage.map((count, stage) => {
      const stageChannels = base * 2 ** stage;
      const blocks: BasicBlock[] = [];
      for (let index = 0; index < count; index++) {
        blocks.push(new BasicBlock(channels, stageChannels, stage > 0 && index === 0 ? 2 : 1));
        channels = stageChannels;
      }
      return this.registerModule(`layer${stage + 1}`, new Sequential(...blocks));
    });
    this.fc = this.registerModule('fc', new Linear(channels, numClasses));
  }

  forward(input: Tensor): Tensor {
    this.checkInput(input);
    return chain(input, this.conv1, this.bn1, reluInPlace, ...this.stages, (x) => F.adaptiveAvgPool2d(x, 1), (x) => x.flatten(1), this.fc);
  }
}
