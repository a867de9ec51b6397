// The residual basic block both ResNet families share (He et al. 2016): conv3×3(stride)+BN+ReLU, conv3×3+BN, plus
// the identity or a 1×1 conv(stride)+BN where the shape changes (option B); ReLU after the sum. Only the name of
// the shortcut module differs: torchvision's ResNet-18 calls it `downsample`, OpenLTH's CIFAR ResNets `shortcut`.
import type { Tensor } from '../../torch/index.js';
import { BatchNorm2d, Conv2d, Sequential } from '../layers.js';
import { Module } from '../module.js';
import { chain, release, reluInPlace } from '../chain.js';

export class BasicBlock extends Module {
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm2d;
  /** The 1×1 conv+BN projection, registered as `shortcutName`; null: the identity (no parameters). */
  readonly shortcut: Sequential | null;

  /** shortcutName: 'downsample' (torchvision, the default) or 'shortcut' (OpenLTH / Synaptic-Flow). */
  constructor(inChannels: number, outChannels: number, stride: number,
    readonly shortcutName: 'downsample' | 'shortcut' = 'downsample') {
    super();
    this.conv1 = this.registerModule('conv1', new Conv2d(inChannels, outChannels, 3, { stride, padding: 1, bias: false }));
    this.bn1 = this.registerModule('bn1', new BatchNorm2d(outChannels));
    this.conv2 = this.registerModule('conv2', new Conv2d(outChannels, outChannels, 3, { padding: 1, bias: false }));
    this.bn2 = this.registerModule('bn2', new BatchNorm2d(outChannels));
    this.shortcut = stride !== 1 || inChannels !== outChannels
      ? this.registerModule(shortcutName, new Sequential(
        new Conv2d(inChannels, outChannels, 1, { stride, bias: false }), new BatchNorm2d(outChannels)))
      : null;
  }

  forward(input: Tensor): Tensor {
    const residual = chain(input, this.conv1, this.bn1, reluInPlace, this.conv2, this.bn2);
    const shortcut = this.shortcut ? this.shortcut.forward(input) : input;
    const sum = residual.add(shortcut);
    release(residual);
    if (shortcut !== input) release(shortcut);
    return sum.relu_(); // add keeps nothing for backward, so the sum can take the ReLU in place
  }
}
