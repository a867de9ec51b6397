// The dataset registry: name → input shape, class count, where to find it and how to load a split.
import fs from 'node:fs';
import path from 'node:path';
import type { ImageDataset, Split } from './dataset.js';
import { countCifarDataset, cifar10Layout, cifar100Layout, readCifarDataset } from './cifar.js';
import { countIdxDataset, fashionMnistClasses, idxFile, mnistClasses, readIdxDataset } from './mnist.js';
import { countTinyImageNet, readTinyImageNet } from './tiny-imagenet.js';
import { cacheDir, locateDataset, requireDataset, type LocateOptions, type LocateRule, type Located } from './locate.js';
import { cachedChannelStats, computeChannelStats, fingerprintFiles, type ChannelStats } from './stats.js';

export interface LoadOptions extends LocateOptions {
  /** Accept files with fewer examples than the official release (default false: a short file is an error). */
  allowSubset?: boolean;
  /** Progress of slow loads (Tiny-ImageNet decoding). */
  onProgress?: (done: number, total: number) => void;
}

export interface DatasetEntry {
  name: string;
  describe: string;
  /** [C, H, W] */
  inputShape: [number, number, number];
  numClasses: number;
  /** Examples per split in the official release. */
  sizes: Record<Split, number>;
  locate: LocateRule;
  /** Reads a split into memory (uint8 images, int64 labels). */
  load(split: Split, options?: LoadOptions): ImageDataset;
  /** Example counts per split without reading the pixels (headers, file sizes, folder listings). */
  count(dir: string, split: Split): number;
}

const isFile = (file: string): boolean => { try { return fs.statSync(file).isFile(); } catch { return false; } };
const hasIdx = (dir: string): boolean => isFile(idxFile(dir, 'train', 'images')) || isFile(idxFile(dir, 'test', 'images'));

function idxEntry(name: string, describe: string, envVar: string, defaults: string[], classNames: string[]): DatasetEntry {
  const entry: DatasetEntry = {
    name, describe, inputShape: [1, 28, 28], numClasses: 10, sizes: { train: 60000, test: 10000 },
    locate: { name, envVar, folders: [name, name.replace('-', '_'), name.replace('-', '')], defaults, looksLikeDataset: hasIdx },
    load(split, options = {}) {
      const { dir } = requireDataset(entry.locate, options);
      return readIdxDataset(dir, checkSplit(split), {
        name, numClasses: 10, imageSize: [28, 28], classNames,
        expectedCount: options.allowSubset ? null : entry.sizes[split],
      });
    },
    count: (dir, split) => countIdxDataset(dir, split),
  };
  return entry;
}

function cifarEntry(layout: typeof cifar10Layout, describe: string, envVar: string, folders: string[]): DatasetEntry {
  const entry: DatasetEntry = {
    name: layout.name, describe, inputShape: [3, 32, 32], numClasses: layout.numClasses,
    sizes: { train: 50000, test: 10000 },
    locate: {
      name: layout.name, envVar, folders, defaults: folders.map((folder) => path.join('/usr/share/datasets', folder)),
      looksLikeDataset: (dir) => isFile(path.join(dir, layout.files.test[0])),
    },
    load(split, options = {}) {
      const { dir } = requireDataset(entry.locate, options);
      return readCifarDataset(dir, checkSplit(split), layout, options.allowSubset ?? false);
    },
    count: (dir, split) => countCifarDataset(dir, split, layout),
  };
  return entry;
}

const tinyImageNet: DatasetEntry = {
  name: 'tiny-imagenet',
  describe: 'Tiny-ImageNet: 200 classes of 64×64 colour images (test = the labelled val split)',
  inputShape: [3, 64, 64], numClasses: 200, sizes: { train: 100000, test: 10000 },
  locate: {
    name: 'tiny-imagenet', envVar: 'TINY_IMAGENET_DIR', folders: ['tiny-imagenet-200', 'tiny-imagenet'],
    defaults: ['/usr/share/datasets/tiny-imagenet-200', '/usr/share/datasets/tiny-imagenet'],
    looksLikeDataset: (dir) => isFile(path.join(dir, 'wnids.txt')),
  },
  load(split, options = {}) {
    const { dir } = requireDataset(tinyImageNet.locate, options);
    return readTinyImageNet(dir, checkSplit(split), { strictCounts: !options.allowSubset, onProgress: options.onProgress });
  },
  count: (dir, split) => countTinyImageNet(dir, split, false),
};

export const datasets: readonly DatasetEntry[] = [
  idxEntry('fashion-mnist', 'Fashion-MNIST: 10 classes of 28×28 grey clothing images', 'FASHION_MNIST_DIR',
    ['/usr/share/datasets/fashion-mnist'], fashionMnistClasses),
  idxEntry('mnist', 'MNIST: 10 classes of 28×28 grey handwritten digits', 'MNIST_DIR', ['/usr/share/datasets/mnist'], mnistClasses),
  cifarEntry(cifar10Layout, 'CIFAR-10: 10 classes of 32×32 colour images (binary version)', 'CIFAR10_DIR',
    ['cifar-10-batches-bin', 'cifar10', 'cifar-10']),
  cifarEntry(cifar100Layout, 'CIFAR-100: 100 classes (20 superclasses) of 32×32 colour images (binary version)', 'CIFAR100_DIR',
    ['cifar-100-binary', 'cifar100', 'cifar-100']),
  tinyImageNet,
];

export const datasetNames = datasets.map((entry) => entry.name);

/** The registry entry for `name`; an unknown name gives an error listing the known ones. */
export function getDataset(name: string): DatasetEntry {
  const entry = datasets.find((candidate) => candidate.name === name);
  if (!entry) throw new TypeError(`unknown dataset '${name}'; known datasets: ${datasetNames.join(', ')}`);
  return entry;
}

function checkSplit(split: string): Split {
  if (split !== 'train' && split !== 'test') throw new TypeError(`unknown split '${split}'; expected train or test`);
  return split;
}

/** Loads a split of a named dataset. */
export function loadDataset(name: string, split: Split, options: LoadOptions = {}): ImageDataset {
  return getDataset(name).load(split, options);
}

export interface DatasetStatsOptions extends LoadOptions {
  /** Cache directory for the statistics file; null disables caching. Default: cacheDir(). */
  cache?: string | null;
}

/**
 * Per-channel mean/std of the train split (pixel/255), cached under the cache directory. The cache key covers
 * the dataset directory and the size and date of its files, so a hit does not read the data at all.
 */
export function datasetStats(name: string, options: DatasetStatsOptions = {}): ChannelStats {
  const entry = getDataset(name);
  const { dir } = requireDataset(entry.locate, options);
  const key = {
    name, source: dir, channels: entry.inputShape[0],
    fingerprint: fingerprintFiles([name, dir, String(options.allowSubset ?? false)], listFiles(dir)),
  };
  return cachedChannelStats(key, () => {
    const train = entry.load('train', options);
    try {
      return { ...computeChannelStats(train), count: train.length };
    } finally {
      train.dispose();
    }
  }, options.cache === undefined ? cacheDir(options.env) : options.cache);
}

/** The entries of a directory and of its direct subdirectories (enough to notice a changed dataset). */
function listFiles(dir: string): string[] {
  const entries = (folder: string): string[] => {
    try { return fs.readdirSync(folder).sort().map((name) => path.join(folder, name)); } catch { return []; }
  };
  return entries(dir).flatMap((entry) => [entry, ...(isFile(entry) ? [] : entries(entry))]);
}

export interface DatasetAvailability {
  name: string;
  describe: string;
  inputShape: [number, number, number];
  numClasses: number;
  /** found: present and complete; damaged: present with problems; missing-directory: an explicit path that does not exist. */
  status: 'found' | 'not-found' | 'damaged' | 'missing-directory';
  /** Where it was found (or explicitly pointed at), or null. */
  location: Located | null;
  /** Example counts per split when readable. */
  counts: Partial<Record<Split, number>>;
  /** What is wrong with the found copy, if anything. */
  problems: string[];
  /** Environment variable that points at the dataset. */
  envVar: string;
}

/** Which datasets are present, where, and how many examples each split holds — without reading pixels. */
export function probeDatasets(options: { env?: NodeJS.ProcessEnv; dirs?: Record<string, string> } = {}): DatasetAvailability[] {
  return datasets.map((entry) => {
    const location = locateDataset(entry.locate, { env: options.env, dir: options.dirs?.[entry.name] });
    const availability: DatasetAvailability = {
      name: entry.name, describe: entry.describe, inputShape: entry.inputShape, numClasses: entry.numClasses,
      status: 'not-found', location, counts: {}, problems: [], envVar: entry.locate.envVar,
    };
    if (!location) return availability;
    if (!fs.existsSync(location.dir)) {
      availability.status = 'missing-directory';
      availability.problems.push(`${location.dir} (from ${location.via}): directory does not exist`);
      return availability;
    }
    for (const split of ['train', 'test'] as const) {
      try {
        const count = entry.count(location.dir, split);
        availability.counts[split] = count;
        if (count !== entry.sizes[split]) {
          availability.problems.push(`${split} split has ${count.toLocaleString('en-US')} examples, the release has ${entry.sizes[split].toLocaleString('en-US')}`);
        }
      } catch (error) {
        availability.problems.push((error as Error).message);
      }
    }
    availability.status = availability.problems.length > 0 ? 'damaged' : 'found';
    return availability;
  });
}
