// Model zoo: the registry and the architectures behind it.
export { Classifier, type ImageShape } from './classifier.js';
export { FullyConnected } from './fully-connected.js';
export { SmallConvNet } from './small-convnet.js';
export { Vgg, ConvBnRelu, vggPlans, type VggDepth } from './vgg.js';
export { BasicBlock } from './basic-block.js';
export { CifarResNet } from './cifar-resnet.js';
export { ResNet } from './resnet.js';
export { createModel, listModels, findModel, modelNames, type ModelEntry, type ModelOptions } from './registry.js';
