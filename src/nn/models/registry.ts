// The model registry: every architecture by name, with the input shape and class count it is usually trained on.
// createModel('wrn20-32', {inputShape, numClasses}) builds one for any dataset's shape and class count.
import { Classifier, checkImageShape, checkPositiveInteger, type ImageShape } from './classifier.js';
import { FullyConnected } from './fully-connected.js';
import { SmallConvNet } from './small-convnet.js';
import { Vgg, type VggDepth } from './vgg.js';
import { CifarResNet } from './cifar-resnet.js';
import { ResNet } from './resnet.js';

export interface ModelOptions {
  /** [channels, height, width] of one example (default: the entry's defaultInputShape). */
  inputShape?: ImageShape;
  /** Number of outputs (default: the entry's defaultNumClasses). */
  numClasses?: number;
  /** fc: hidden layer widths (default [300, 100]). */
  widths?: number[];
  /** wrn20: channels of the first stage, W (W/2W/4W); wrn18: channel multiplier, k (64k…512k). */
  width?: number;
}

export interface ModelEntry {
  readonly name: string;
  readonly description: string;
  readonly defaultInputShape: ImageShape;
  readonly defaultNumClasses: number;
  /** Name pattern of the parameterised variants ('wrn20-<W>'), when the model has them. */
  readonly pattern?: string;
  /** Options beyond inputShape and numClasses that the model reads. */
  readonly options: readonly (keyof ModelOptions)[];
  create(options?: ModelOptions): Classifier;
}

const mnist: ImageShape = [1, 28, 28];
const cifar: ImageShape = [3, 32, 32];
const tinyImageNet: ImageShape = [3, 64, 64];

interface Resolved { inputShape: ImageShape; numClasses: number }

function entry(name: string, description: string, defaultInputShape: ImageShape, defaultNumClasses: number,
  build: (resolved: Resolved, options: ModelOptions) => Classifier,
  extra: { options?: (keyof ModelOptions)[]; pattern?: string } = {}): ModelEntry {
  const options = extra.options ?? [];
  return Object.freeze({
    name, description, defaultInputShape, defaultNumClasses, options, pattern: extra.pattern,
    create(given: ModelOptions = {}): Classifier {
      checkOptions(name, given, options);
      const inputShape = given.inputShape ?? [...defaultInputShape] as ImageShape;
      checkImageShape(inputShape, name);
      const numClasses = given.numClasses ?? defaultNumClasses;
      checkPositiveInteger(numClasses, `${name}: numClasses`);
      return build({ inputShape: [...inputShape] as ImageShape, numClasses }, given);
    },
  });
}

const vgg = (depth: VggDepth) => entry(`vgg${depth}`,
  `VGG-${depth} with batch norm, CIFAR variant (OpenLTH's cifar_vgg_${depth}): 3×3 conv+BN+ReLU, max-pools, global average pool, linear 512→classes`,
  cifar, 10, ({ inputShape, numClasses }) => new Vgg(inputShape, numClasses, depth));

const cifarResNet = (depth: number) => entry(`resnet${depth}`,
  `ResNet-${depth} for CIFAR (He et al. 2016; OpenLTH's cifar_resnet_${depth}): 16/32/64 channels, ${(depth - 2) / 6} basic blocks per stage, 1×1 conv+BN shortcuts (option B)`,
  cifar, 10, ({ inputShape, numClasses }) => new CifarResNet(inputShape, numClasses, depth, 16));

const smallConvNet = (layers: 2 | 4 | 6) => entry(`conv${layers}`,
  `Conv-${layers} of Frankle & Carbin (2019): ${layers} 3×3 convs (${[64, 64, 128, 128, 256, 256].slice(0, layers).join(', ')}) with a max-pool after each pair, FC 256-256-classes`,
  cifar, 10, ({ inputShape, numClasses }) => new SmallConvNet(inputShape, numClasses, layers));

const entries: readonly ModelEntry[] = Object.freeze([
  entry('fc', 'fully connected ReLU network, hidden widths from the `widths` option (default [300, 100])', mnist, 10,
    ({ inputShape, numClasses }, options) => new FullyConnected(inputShape, numClasses, options.widths ?? [300, 100]),
    { options: ['widths'] }),
  entry('lenet300', 'LeNet-300-100: fully connected 784-300-100-10 on 1×28×28 (OpenLTH\'s mnist_lenet_300_100)', mnist, 10,
    ({ inputShape, numClasses }) => new FullyConnected(inputShape, numClasses, [300, 100])),
  smallConvNet(2), smallConvNet(4), smallConvNet(6),
  vgg(11), vgg(13), vgg(16), vgg(19),
  cifarResNet(20), cifarResNet(32), cifarResNet(44), cifarResNet(56),
  entry('wrn20', 'WideResNet-20-W for CIFAR (OpenLTH\'s cifar_resnet_20_W): ResNet-20 with W/2W/4W channels; `wrn20` = wrn20-32, the paper\'s WideResNet-20-32 (32/64/128); wrn20-16 = resnet20',
    cifar, 10, ({ inputShape, numClasses }, options) => new CifarResNet(inputShape, numClasses, 20, options.width ?? 32),
    { options: ['width'], pattern: 'wrn20-<W>' }),
  entry('resnet18', 'ResNet-18 for 64×64 Tiny-ImageNet: 3×3 stride-1 stem, no max-pool, basic blocks 64/128/256/512, 1×1 conv+BN downsampling',
    tinyImageNet, 200, ({ inputShape, numClasses }) => new ResNet(inputShape, numClasses, [2, 2, 2, 2], 1)),
  entry('wrn18', 'WideResNet-18-k for 64×64 Tiny-ImageNet: ResNet-18 with every channel count times k (64k…512k); `wrn18` = wrn18-2',
    tinyImageNet, 200, ({ inputShape, numClasses }, options) => new ResNet(inputShape, numClasses, [2, 2, 2, 2], options.width ?? 2),
    { options: ['width'], pattern: 'wrn18-<k>' }),
]);

/** Every registered model, in a stable order. */
export function listModels(): ModelEntry[] { return [...entries]; }

/** The names createModel accepts, with patterns for the parameterised families. */
export function modelNames(): string[] {
  return entries.flatMap((model) => model.pattern ? [model.name, model.pattern] : [model.name]);
}

/** Looks up a name ('vgg16', 'wrn20-32', 'wrn18-4', …) and returns its entry and the width the name carries. */
export function findModel(name: string): { entry: ModelEntry; width?: number } {
  if (typeof name !== 'string') throw new TypeError(`model name must be a string, got ${JSON.stringify(name)}`);
  const exact = entries.find((model) => model.name === name);
  if (exact) return { entry: exact };
  const match = /^(wrn20|wrn18)-(.*)$/.exec(name);
  if (match) {
    const family = entries.find((model) => model.name === match[1])!;
    const width = /^\d+$/.test(match[2]) ? Number(match[2]) : NaN;
    if (!(Number.isSafeInteger(width) && width > 0)) {
      throw new RangeError(`model '${name}': width '${match[2]}' is not a positive integer (pattern ${family.pattern})`);
    }
    return { entry: family, width };
  }
  throw new Error(`unknown model '${name}'; known models: ${modelNames().join(', ')}`);
}

/** Builds a model with freshly initialised weights (Kaiming normal conv/linear weights, zero biases, BN γ=1 β=0). */
export function createModel(name: string, options: ModelOptions = {}): Classifier {
  const { entry: model, width } = findModel(name);
  if (width !== undefined) {
    if (options.width !== undefined && options.width !== width) {
      throw new RangeError(`model '${name}' names width ${width} but options.width is ${options.width}`);
    }
    return model.create({ ...options, width });
  }
  return model.create(options);
}

function checkOptions(name: string, given: ModelOptions, accepted: readonly (keyof ModelOptions)[]): void {
  if (given === null || typeof given !== 'object') throw new TypeError(`model '${name}': options must be an object`);
  const known = ['inputShape', 'numClasses', ...accepted];
  for (const [key, value] of Object.entries(given)) {
    if (value !== undefined && !known.includes(key)) {
      throw new Error(`model '${name}' does not take option '${key}' (it takes: ${known.join(', ')})`);
    }
  }
  if (given.width !== undefined) checkPositiveInteger(given.width, `model '${name}': width`);
}
