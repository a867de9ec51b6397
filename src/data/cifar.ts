// CIFAR-10 and CIFAR-100 binary versions. Each record is the label byte(s) then 3072 pixel bytes: 1024 red,
// 1024 green, 1024 blue, each 32×32 row-major — already [C, H, W] order.
import fs from 'node:fs';
import path from 'node:path';
import { DatasetFileError, count } from './errors.js';
import { ImageDataset, checkLabels, type Split } from './dataset.js';
import { readFileBytes } from './idx.js';

export const CIFAR_PIXELS = 3 * 32 * 32;

export interface CifarLayout {
  name: string;
  /** 1 for CIFAR-10 (label), 2 for CIFAR-100 (coarse label, fine label). */
  labelBytes: 1 | 2;
  numClasses: number;
  numCoarseClasses?: number;
  files: Record<Split, string[]>;
  /** Records each file holds in the official release. */
  recordsPerFile: Record<Split, number>;
  /** Text files with one class name per line, when shipped. */
  classNamesFile: string;
  coarseNamesFile?: string;
}

export const cifar10Layout: CifarLayout = {
  name: 'cifar10', labelBytes: 1, numClasses: 10,
  files: { train: [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`), test: ['test_batch.bin'] },
  recordsPerFile: { train: 10000, test: 10000 },
  classNamesFile: 'batches.meta.txt',
};

export const cifar100Layout: CifarLayout = {
  name: 'cifar100', labelBytes: 2, numClasses: 100, numCoarseClasses: 20,
  files: { train: ['train.bin'], test: ['test.bin'] },
  recordsPerFile: { train: 50000, test: 10000 },
  classNamesFile: 'fine_label_names.txt', coarseNamesFile: 'coarse_label_names.txt',
};

export interface CifarFile {
  pixels: Uint8Array;
  labels: Uint8Array;
  coarseLabels: Uint8Array | null;
}

/** Number of whole records in a file of `bytes` bytes; throws when the size is not a whole number of records. */
export function cifarRecordCount(file: string, bytes: number, layout: CifarLayout): number {
  const recordBytes = layout.labelBytes + CIFAR_PIXELS;
  if (bytes === 0) throw new DatasetFileError(file, 'empty file');
  if (bytes % recordBytes !== 0) {
    throw new DatasetFileError(file, `wrong size: ${count(bytes)} bytes is not a whole number of ${recordBytes}-byte ` +
      `${layout.name} records (${Math.floor(bytes / recordBytes)} records and ${bytes % recordBytes} bytes left over: truncated or not a ${layout.name} file)`);
  }
  return bytes / recordBytes;
}

/** Reads one binary batch file; `expectedRecords` null accepts any whole number of records. */
export function readCifarFile(file: string, layout: CifarLayout, expectedRecords: number | null): CifarFile {
  const bytes = readFileBytes(file);
  const records = cifarRecordCount(file, bytes.length, layout);
  if (expectedRecords !== null && records !== expectedRecords) {
    throw new DatasetFileError(file, `holds ${count(records)} records, expected ${count(expectedRecords)} ` +
      `(truncated? pass allowSubset to read partial files)`);
  }
  const recordBytes = layout.labelBytes + CIFAR_PIXELS;
  const pixels = new Uint8Array(records * CIFAR_PIXELS);
  const labels = new Uint8Array(records);
  const coarseLabels = layout.labelBytes === 2 ? new Uint8Array(records) : null;
  for (let r = 0; r < records; r++) {
    const start = r * recordBytes;
    if (coarseLabels) coarseLabels[r] = bytes[start];
    labels[r] = bytes[start + layout.labelBytes - 1];
    pixels.set(bytes.subarray(start + layout.labelBytes, start + recordBytes), r * CIFAR_PIXELS);
  }
  checkLabels(file, labels, layout.numClasses);
  if (coarseLabels) checkLabels(file, coarseLabels, layout.numCoarseClasses ?? 20);
  return { pixels, labels, coarseLabels };
}

function readNames(file: string): string[] | undefined {
  if (!fs.existsSync(file)) return undefined;
  return fs.readFileSync(file, 'utf8').split(/\r?\n/).map((line) => line.trim()).filter((line) => line.length > 0);
}

/** Reads a split of CIFAR-10 or CIFAR-100 from `dir`; `allowSubset` accepts files shorter than the release's. */
export function readCifarDataset(dir: string, split: Split, layout: CifarLayout, allowSubset = false): ImageDataset {
  const parts = layout.files[split].map((name) =>
    readCifarFile(path.join(dir, name), layout, allowSubset ? null : layout.recordsPerFile[split]));
  const total = parts.reduce((sum, part) => sum + part.labels.length, 0);
  const pixels = new Uint8Array(total * CIFAR_PIXELS);
  const labels = new Uint8Array(total);
  const coarse = layout.labelBytes === 2 ? new Uint8Array(total) : undefined;
  let offset = 0;
  for (const part of parts) {
    pixels.set(part.pixels, offset * CIFAR_PIXELS);
    labels.set(part.labels, offset);
    if (coarse && part.coarseLabels) coarse.set(part.coarseLabels, offset);
    offset += part.labels.length;
  }
  const classNames = readNames(path.join(dir, layout.classNamesFile));
  return ImageDataset.fromArrays(
    { pixels, imageShape: [3, 32, 32], labels },
    {
      name: layout.name, split, numClasses: layout.numClasses, source: dir,
      classNames: classNames && classNames.length === layout.numClasses ? classNames : undefined,
    },
    coarse,
  );
}

/** Example count of a split from file sizes only; throws on missing files or sizes that are not whole records. */
export function countCifarDataset(dir: string, split: Split, layout: CifarLayout): number {
  let total = 0;
  for (const name of layout.files[split]) {
    const file = path.join(dir, name);
    let size: number;
    try {
      size = fs.statSync(file).size;
    } catch {
      throw new DatasetFileError(file, 'missing file');
    }
    total += cifarRecordCount(file, size, layout);
  }
  return total;
}
