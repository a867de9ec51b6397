// The common face of every registered model: an image classifier that knows its input shape and class count,
// so pruners can build matching synthetic inputs and a wrong batch fails with a message that names the shape.
import { Tensor } from '../../torch/index.js';
import { Module } from '../module.js';

/** Channels, height, width of one example. */
export type ImageShape = [channels: number, height: number, width: number];

export abstract class Classifier extends Module {
  constructor(readonly inputShape: ImageShape, readonly numClasses: number) {
    super();
    checkImageShape(inputShape, this.constructor.name);
    checkPositiveInteger(numClasses, `${this.constructor.name}: numClasses`);
  }

  /** Throws unless the batch is [N, C, H, W] with [C, H, W] equal to the model's input shape. */
  protected checkInput(input: Tensor): void {
    const shape = input.shape;
    if (shape.length !== 4 || shape[1] !== this.inputShape[0] || shape[2] !== this.inputShape[1]
      || shape[3] !== this.inputShape[2]) {
      throw new Error(`${this.constructor.name} expects a batch of shape [N, ${this.inputShape.join(', ')}], got [${shape.join(', ')}]`);
    }
  }
}

export function checkPositiveInteger(value: unknown, what: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new RangeError(`${what} must be a positive integer, got ${JSON.stringify(value)}`);
  }
}

export function checkImageShape(shape: unknown, what: string): asserts shape is ImageShape {
  if (!Array.isArray(shape) || shape.length !== 3 || !shape.every((size) => Number.isInteger(size) && size > 0)) {
    throw new RangeError(`${what}: inputShape must be [channels, height, width] of positive integers, got ${JSON.stringify(shape)}`);
  }
}

/** Throws when height or width is below `minimum` (the size that survives the model's downsampling). */
export function checkMinimumSize(shape: ImageShape, minimum: number, model: string, reason: string): void {
  const [, height, width] = shape;
  if (height < minimum || width < minimum) {
    throw new RangeError(`${model} needs inputs of at least ${minimum}×${minimum} (${reason}); got inputShape [${shape.join(', ')}]`);
  }
}
