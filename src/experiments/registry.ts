// Names a config may use for models and datasets. Datasets are the ones the executor knows how to load (data/
// readers plus a synthetic source for tests).
// TODO(models): switch to nn/'s registry (modelNames) once it lands.
const staticModelNames = [
  'fc', 'lenet300', 'conv2', 'conv4', 'conv6', 'vgg11', 'vgg13', 'vgg16', 'vgg19', 'resnet20', 'resnet32', 'resnet44',
  'resnet56', 'wrn20-32', 'resnet18', 'wrn18',
];

export function knownModels(): readonly string[] {
  return staticModelNames;
}

export const datasetNames = ['fashion-mnist', 'mnist', 'cifar10', 'cifar100', 'tiny-imagenet', 'synthetic'] as const;

export function knownDatasets(): readonly string[] {
  return datasetNames;
}
