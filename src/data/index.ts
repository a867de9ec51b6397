// data/: datasets in their standard formats, statistics, augmentation, seeded loaders, synthetic input sources.
export { ImageDataset, type Split, type DatasetInfo } from './dataset.js';
export { DatasetFileError } from './errors.js';
export { Rng } from './prng.js';
export { readIdx, parseIdx, summarizeIdx, type IdxArray } from './idx.js';
export { readIdxDataset } from './mnist.js';
export { readCifarDataset, readCifarFile, cifar10Layout, cifar100Layout } from './cifar.js';
export { readTinyImageNet, listTinyImageNet } from './tiny-imagenet.js';
export { cacheDir, locateDataset, type Located } from './locate.js';
export { computeChannelStats, channelStats, type ChannelStats } from './stats.js';
export { cropFlip, drawCropFlip, normalize, toUnitRange, type CropFlipChoice } from './augment.js';
export { DataLoader, type Batch, type LoaderOptions } from './loader.js';
export { createInputSource, inputSourceKinds, randomImageDataset, type InputSource, type InputSourceKind, type InputBatch, type SyntheticOptions, type RandomDatasetOptions } from './synthetic.js';
export {
  datasets, datasetNames, getDataset, loadDataset, datasetStats, probeDatasets,
  type DatasetEntry, type LoadOptions, type DatasetAvailability,
} from './registry.js';
export { fetchDataset, fetchSpecs, getFetchSpec, defaultDataRoot, type FetchOptions, type FetchResult } from './fetch.js';
