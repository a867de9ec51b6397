// Fully connected ReLU networks (LeNet-300-100 and any widths), named as OpenLTH's mnist_lenet_N_M:
// hidden layers `fc_layers.<i>`, output layer `fc`.
import { Tensor } from '../../torch/index.js';
import { Linear, ModuleList } from '../layers.js';
import { chain, reluInPlace, type Step } from '../chain.js';
import { Classifier, checkPositiveInteger, type ImageShape } from './classifier.js';

export class FullyConnected extends Classifier {
  readonly fcLayers: ModuleList<Linear>;
  readonly fc: Linear;

  /** widths: hidden layer sizes, in order ([] gives a linear classifier). */
  constructor(inputShape: ImageShape, numClasses: number, readonly widths: number[]) {
    super(inputShape, numClasses);
    if (!Array.isArray(widths)) throw new TypeError(`FullyConnected: widths must be an array of positive integers, got ${JSON.stringify(widths)}`);
    widths.forEach((width, index) => checkPositiveInteger(width, `FullyConnected: widths[${index}]`));
    let features = inputShape[0] * inputShape[1] * inputShape[2];
    const hidden: Linear[] = [];
    for (const width of widths) {
      hidden.push(new Linear(features, width));
      features = width;
    }
    this.fcLayers = this.registerModule('fc_layers', new ModuleList(hidden));
    this.fc = this.registerModule('fc', new Linear(features, numClasses));
  }

  /** Accepts [N, C, H, W] or already flattened [N, C·H·W]. */
  forward(input: Tensor): Tensor {
    const features = this.inputShape[0] * this.inputShape[1] * this.inputShape[2];
    if (!(input.ndim === 2 && input.shape[1] === features)) this.checkInput(input);
    const hidden = this.fcLayers.items.flatMap((layer): Step[] => [layer, reluInPlace]);
    return input.ndim === 2 ? chain(input, ...hidden, this.fc) : chain(input, (x) => x.flatten(1), ...hidden, this.fc);
  }
}
