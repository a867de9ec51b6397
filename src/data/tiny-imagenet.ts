// Tiny-ImageNet (tiny-imagenet-200) folder layout: wnids.txt (one class id per line, label = line index),
// train/<wnid>/images/*.JPEG, val/images/*.JPEG with labels in val/val_annotations.txt. The labelled val split
// serves as the test split (the official test split has no labels). JPEGs are decoded with jpeg-js.
import fs from 'node:fs';
import path from 'node:path';
import jpeg from 'jpeg-js';
import { DatasetFileError, count } from './errors.js';
import { ImageDataset, type Split } from './dataset.js';
import { readFileBytes } from './idx.js';

export const TINY_IMAGENET_SIZE = 64;

export interface TinyImageNetOptions {
  /** Require the release's counts (200 classes, 500 train images each, 10,000 val images); default true. */
  strictCounts?: boolean;
  /** Called every few hundred images while decoding (decoding 100,000 JPEGs takes a while). */
  onProgress?: (done: number, total: number) => void;
}

export interface TinyImageNetFile {
  file: string;
  label: number;
}

const isJpeg = (name: string): boolean => /\.jpe?g$/i.test(name);

/** The class ids in label order, from wnids.txt. */
export function readWnids(dir: string): string[] {
  const file = path.join(dir, 'wnids.txt');
  const wnids = readFileBytes(file).toString('utf8').split(/\r?\n/).map((line) => line.trim()).filter(Boolean);
  if (wnids.length === 0) throw new DatasetFileError(file, 'empty file (expected one class id per line)');
  const seen = new Set<string>();
  for (const wnid of wnids) {
    if (seen.has(wnid)) throw new DatasetFileError(file, `class id ${wnid} listed twice`);
    seen.add(wnid);
  }
  return wnids;
}

/** Human-readable class names from words.txt (wnid<TAB>names), when present. */
function readClassNames(dir: string, wnids: string[]): string[] | undefined {
  const file = path.join(dir, 'words.txt');
  if (!fs.existsSync(file)) return undefined;
  const names = new Map<string, string>();
  for (const line of fs.readFileSync(file, 'utf8').split(/\r?\n/)) {
    const tab = line.indexOf('\t');
    if (tab > 0) names.set(line.slice(0, tab), line.slice(tab + 1).trim());
  }
  return wnids.map((wnid) => names.get(wnid) ?? wnid);
}

function listJpegs(imagesDir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(imagesDir);
  } catch {
    throw new DatasetFileError(imagesDir, 'missing directory');
  }
  const jpegs = names.filter(isJpeg).sort();
  if (jpegs.length === 0) throw new DatasetFileError(imagesDir, 'no JPEG images in directory');
  return jpegs.map((name) => path.join(imagesDir, name));
}

/** The image files of a split with their labels, in a fixed order (class by class, names sorted). */
export function listTinyImageNet(dir: string, split: Split, strictCounts = true): TinyImageNetFile[] {
  const wnids = readWnids(dir);
  const wnidsFile = path.join(dir, 'wnids.txt');
  if (strictCounts && wnids.length !== 200) {
    throw new DatasetFileError(wnidsFile, `lists ${wnids.length} classes, Tiny-ImageNet has 200 (pass allowSubset to accept)`);
  }
  const labelOf = new Map(wnids.map((wnid, label) => [wnid, label]));
  if (split === 'train') {
    const files: TinyImageNetFile[] = [];
    wnids.forEach((wnid, label) => {
      const imagesDir = path.join(dir, 'train', wnid, 'images');
      const jpegs = listJpegs(imagesDir);
      if (strictCounts && jpegs.length !== 500) {
        throw new DatasetFileError(imagesDir, `holds ${jpegs.length} JPEG images, Tiny-ImageNet has 500 per class`);
      }
      for (const file of jpegs) files.push({ file, label });
    });
    return files;
  }
  const annotations = path.join(dir, 'val', 'val_annotations.txt');
  const lines = readFileBytes(annotations).toString('utf8').split(/\r?\n/);
  const files: TinyImageNetFile[] = [];
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    const [name, wnid] = line.split('\t');
    if (!name || !wnid) {
      throw new DatasetFileError(annotations, `line ${index + 1} is not "<file>\\t<wnid>\\t...": ${JSON.stringify(line.slice(0, 80))}`);
    }
    const label = labelOf.get(wnid.trim());
    if (label === undefined) {
      throw new DatasetFileError(annotations, `line ${index + 1}: class id ${wnid} is not in wnids.txt (label out of range)`);
    }
    files.push({ file: path.join(dir, 'val', 'images', name.trim()), label });
  });
  if (files.length === 0) throw new DatasetFileError(annotations, 'no annotations');
  if (strictCounts && files.length !== 10000) {
    throw new DatasetFileError(annotations, `lists ${count(files.length)} images, the Tiny-ImageNet val split has 10,000`);
  }
  return files;
}

/** Decodes one JPEG into `target` (offset in pixels) as [3, size, size]; grayscale JPEGs give equal channels. */
export function decodeJpegInto(file: string, target: Uint8Array, offset: number, size: number): void {
  const bytes = readFileBytes(file);
  let image: { width: number; height: number; data: Uint8Array };
  try {
    // tolerantDecoding off: a truncated or damaged JPEG is an error, not a partly grey image
    image = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, tolerantDecoding: false });
  } catch (error) {
    throw new DatasetFileError(file, `bad JPEG (${(error as Error).message ?? String(error)})`);
  }
  if (image.width !== size || image.height !== size) {
    throw new DatasetFileError(file, `wrong image size ${image.width}×${image.height}, expected ${size}×${size}`);
  }
  const plane = size * size;
  const rgba = image.data;
  for (let p = 0; p < plane; p++) {
    target[offset + p] = rgba[4 * p];
    target[offset + plane + p] = rgba[4 * p + 1];
    target[offset + 2 * plane + p] = rgba[4 * p + 2];
  }
}

/** Reads and decodes a split of Tiny-ImageNet into images [N, 3, 64, 64]. */
export function readTinyImageNet(dir: string, split: Split, options: TinyImageNetOptions = {}): ImageDataset {
  const strict = options.strictCounts ?? true;
  const wnids = readWnids(dir);
  const files = listTinyImageNet(dir, split, strict);
  const size = TINY_IMAGENET_SIZE;
  const imagePixels = 3 * size * size;
  const pixels = new Uint8Array(files.length * imagePixels);
  const labels = new Int32Array(files.length);
  files.forEach(({ file, label }, index) => {
    decodeJpegInto(file, pixels, index * imagePixels, size);
    labels[index] = label;
    if (options.onProgress && (index % 500 === 499 || index === files.length - 1)) options.onProgress(index + 1, files.length);
  });
  return ImageDataset.fromArrays(
    { pixels, imageShape: [3, size, size], labels },
    { name: 'tiny-imagenet', split, numClasses: wnids.length, classNames: readClassNames(dir, wnids), source: dir },
  );
}

/** Example count of a split from the folder listing only (no decoding). */
export function countTinyImageNet(dir: string, split: Split, strictCounts = true): number {
  return listTinyImageNet(dir, split, strictCounts).length;
}
