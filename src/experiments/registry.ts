// Names a config may use for models and datasets: models from nn/'s registry (parameterised names such as
// wrn20-32 included), datasets from data/'s registry plus 'synthetic' (random images with learnable labels, for
// tests and smoke runs without any dataset on disk).
import { findModel, modelNames } from '../nn/index.js';
import { datasetNames as realDatasetNames } from '../data/index.js';

export function knownModels(): readonly string[] {
  return modelNames();
}

/** undefined when `name` is a model createModel accepts, else the reason. */
export function checkModelName(name: string): string | undefined {
  try {
    findModel(name);
    return undefined;
  } catch (error) {
    return (error as Error).message.includes('width') ? (error as Error).message : `unknown model "${name}" (expected one of: ${modelNames().join(', ')})`;
  }
}

export function knownDatasets(): readonly string[] {
  return [...realDatasetNames, 'synthetic'];
}
