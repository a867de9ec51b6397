// MNIST-style datasets in IDX files (MNIST, Fashion-MNIST): train-images-idx3-ubyte[.gz] and friends.
import fs from 'node:fs';
import path from 'node:path';
import { DatasetFileError, count } from './errors.js';
import { ImageDataset, checkLabels, type Split } from './dataset.js';
import { readIdx, summarizeIdx } from './idx.js';

const prefixes: Record<Split, string> = { train: 'train', test: 't10k' };

/** The candidate names of a split's image or label file, preferred first. */
function fileNames(split: Split, kind: 'images' | 'labels'): string[] {
  const base = `${prefixes[split]}-${kind}-idx${kind === 'images' ? 3 : 1}-ubyte`;
  const dotted = `${prefixes[split]}-${kind}.idx${kind === 'images' ? 3 : 1}-ubyte`;
  return [`${base}.gz`, base, `${dotted}.gz`, dotted];
}

/** The existing file for a split and kind; when none exists, the preferred name (so errors name it). */
export function idxFile(dir: string, split: Split, kind: 'images' | 'labels'): string {
  const names = fileNames(split, kind);
  for (const name of names) {
    const file = path.join(dir, name);
    if (fs.existsSync(file)) return file;
  }
  return path.join(dir, names[0]);
}

export interface IdxDatasetOptions {
  name: string;
  numClasses: number;
  /** [H, W] each image must have. */
  imageSize: [number, number];
  /** Number of examples the split must hold; null accepts any (a subset). */
  expectedCount: number | null;
  classNames?: string[];
}

/** Reads one split of an IDX dataset into an ImageDataset with images [N, 1, H, W]. */
export function readIdxDataset(dir: string, split: Split, options: IdxDatasetOptions): ImageDataset {
  const imageFile = idxFile(dir, split, 'images');
  const labelFile = idxFile(dir, split, 'labels');
  if (!fs.existsSync(imageFile)) {
    throw new DatasetFileError(imageFile, `missing file (also looked for ${fileNames(split, 'images').slice(1).join(', ')})`);
  }
  if (!fs.existsSync(labelFile)) {
    throw new DatasetFileError(labelFile, `missing file (also looked for ${fileNames(split, 'labels').slice(1).join(', ')})`);
  }
  const images = readIdx(imageFile, 3);
  const labels = readIdx(labelFile, 1);
  const [n, height, width] = images.dims;
  const [wantHeight, wantWidth] = options.imageSize;
  if (height !== wantHeight || width !== wantWidth) {
    throw new DatasetFileError(imageFile, `wrong image size ${height}×${width}, ${options.name} images are ${wantHeight}×${wantWidth}`);
  }
  if (labels.dims[0] !== n) {
    throw new DatasetFileError(labelFile, `holds ${count(labels.dims[0])} labels but ${imageFile} holds ${count(n)} images`);
  }
  if (options.expectedCount !== null && n !== options.expectedCount) {
    throw new DatasetFileError(imageFile, `holds ${count(n)} images, the ${options.name} ${split} split has ` +
      `${count(options.expectedCount)} (pass allowSubset to read a subset)`);
  }
  checkLabels(labelFile, labels.data, options.numClasses);
  return ImageDataset.fromArrays(
    { pixels: images.data, imageShape: [1, height, width], labels: labels.data },
    { name: options.name, split, numClasses: options.numClasses, classNames: options.classNames, source: imageFile },
  );
}

/** Example counts of a split from the file headers only; throws on missing files or bad headers/sizes. */
export function countIdxDataset(dir: string, split: Split): number {
  const imageFile = idxFile(dir, split, 'images');
  const labelFile = idxFile(dir, split, 'labels');
  const images = summarizeIdx(imageFile, 3);
  const labels = summarizeIdx(labelFile, 1);
  for (const [file, summary] of [[imageFile, images], [labelFile, labels]] as const) {
    if (summary.actualBytes !== summary.expectedBytes) {
      throw new DatasetFileError(file, `wrong size: ${count(summary.actualBytes)} bytes (uncompressed), the header ` +
        `(${summary.dims.join('×')}) needs ${count(summary.expectedBytes)}`);
    }
  }
  if (labels.dims[0] !== images.dims[0]) {
    throw new DatasetFileError(labelFile, `holds ${count(labels.dims[0])} labels but ${imageFile} holds ${count(images.dims[0])} images`);
  }
  return images.dims[0];
}

export const fashionMnistClasses = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt',
  'Sneaker', 'Bag', 'Ankle boot'];
export const mnistClasses = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
