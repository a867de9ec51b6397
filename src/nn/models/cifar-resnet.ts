// CIFAR ResNets (He et al. 2016, §4.2) as OpenLTH's cifar_resnet_D_W (ported by Synaptic-Flow as lottery_resnet):
// a 3×3 stem with W channels, three stages of n = (D−2)/6 basic blocks with W, 2W, 4W channels (stages 2 and 3
// start with stride 2), global average pooling, one linear layer. Shortcuts are option B: a 1×1 conv (stride 2)
// + BN where the shape changes, the identity (no parameters) elsewhere. W = 16 gives ResNet-D; the paper's
// WideResNet-20-32 is D = 20, W = 32 (OpenLTH's cifar_resnet_20_32, Synaptic-Flow's wide_resnet20).
// Names: `conv`, `bn`, `blocks.<i>.{conv1,bn1,conv2,bn2}`, `blocks.<i>.shortcut.{0,1}`, `fc`.
import { Tensor, F } from '../../torch/index.js';
import { BatchNorm2d, Conv2d, Linear, Sequential } from '../layers.js';
import { chain, reluInPlace } from '../chain.js';
import { BasicBlock } from './basic-block.js';
import { Classifier, checkMinimumSize, checkPositiveInteger, type ImageShape } from './classifier.js';

export class CifarResNet extends Classifier {
  readonly conv: Conv2d;
  readonly bn: BatchNorm2d;
  readonly blocks: Sequential;
  readonly fc: Linear;

  /** depth D = 6n + 2; width W = channels of the first stage (16 for ResNet-D). */
  constructor(inputShape: ImageShape, numClasses: number, readonly depth: number, readonly width = 16) {
    super(inputShape, numClasses);
    if (!Number.isInteger(depth) || depth < 8 || (depth - 2) % 6 !== 0) {
      throw new RangeError(`CifarResNet: depth must be 6n+2 with n ≥ 1 (20, 32, 44, 56, …), got ${depth}`);
    }
    checkPositiveInteger(width, 'CifarResNet: width');
    checkMinimumSize(inputShape, 4, width === 16 ? `ResNet-${depth}` : `WRN-${depth}-${width}`, 'two stages of stride 2');
    const blocksPerStage = (depth - 2) / 6;
    this.conv = this.registerModule('conv', new Conv2d(inputShape[0], width, 3, { padding: 1, bias: false }));
    this.bn = this.registerModule('bn', new BatchNorm2d(width));
    const blocks: BasicBlock[] = [];
    let channels = width;
    for (let stage = 0; stage < 3; stage++) {
      const stageChannels = width * 2 ** stage;
      for (let index = 0; index < blocksPerStage; index++) {
        blocks.push(new BasicBlock(channels, stageChannels, stage > 0 && index === 0 ? 2 : 1, 'shortcut'));
        channels = stageChannels;
      }
    }
    this.blocks = this.registerModule('blocks', new Sequential(...blocks));
    this.fc = this.registerModule('fc', new Linear(channels, numClasses));
  }

  forward(input: Tensor): Tensor {
    this.checkInput(input);
    return chain(input, this.conv, this.bn, reluInPlace, this.blocks, (x) => F.adaptiveAvgPool2d(x, 1), (x) => x.flatten(1), this.fc);
  }
}
