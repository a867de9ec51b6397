// Writes small datasets in the real on-disk formats into temporary directories, for the data/ tests.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import jpeg from 'jpeg-js';

export function tempDir(prefix = 'sketchprune-data-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Deterministic pseudo-random bytes (an LCG), so fixtures are reproducible without the code under test. */
export function pseudoBytes(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let state = seed >>> 0;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    bytes[i] = state >>> 24;
  }
  return bytes;
}

/** IDX bytes: magic 0x0000 08 <ndims>, big-endian dims, then the data. */
export function idxBytes(dims: number[], data: Uint8Array, magic = 0x0800 | dims.length): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt32BE(magic >>> 0, 0);
  dims.forEach((dim, i) => header.writeUInt32BE(dim, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(data)]);
}

export function writeIdx(file: string, dims: number[], data: Uint8Array, options: { gzip?: boolean; magic?: number } = {}): string {
  const bytes = idxBytes(dims, data, options.magic);
  fs.writeFileSync(file, options.gzip ? zlib.gzipSync(bytes) : bytes);
  return file;
}

export interface IdxFixture {
  dir: string;
  images: Record<'train' | 'test', Uint8Array>;
  labels: Record<'train' | 'test', Uint8Array>;
}

/** An MNIST-layout directory with `counts` examples per split of 28×28 images. */
export function writeMnistDir(dir: string, counts = { train: 12, test: 5 }, gzip = true): IdxFixture {
  fs.mkdirSync(dir, { recursive: true });
  const fixture: IdxFixture = { dir, images: {} as never, labels: {} as never };
  for (const [split, prefix] of [['train', 'train'], ['test', 't10k']] as const) {
    const n = counts[split];
    const images = pseudoBytes(n * 28 * 28, split === 'train' ? 11 : 12);
    const labels = Uint8Array.from({ length: n }, (_, i) => (i * 7 + 3) % 10);
    const suffix = gzip ? '.gz' : '';
    writeIdx(path.join(dir, `${prefix}-images-idx3-ubyte${suffix}`), [n, 28, 28], images, { gzip });
    writeIdx(path.join(dir, `${prefix}-labels-idx1-ubyte${suffix}`), [n], labels, { gzip });
    fixture.images[split] = images;
    fixture.labels[split] = labels;
  }
  return fixture;
}

export interface CifarRecords {
  pixels: Uint8Array;
  labels: Uint8Array;
  coarse?: Uint8Array;
}

export function cifarBytes(records: CifarRecords): Buffer {
  const n = records.labels.length;
  const labelBytes = records.coarse ? 2 : 1;
  const out = Buffer.alloc(n * (labelBytes + 3072));
  for (let r = 0; r < n; r++) {
    const start = r * (labelBytes + 3072);
    if (records.coarse) out[start] = records.coarse[r];
    out[start + labelBytes - 1] = records.labels[r];
    out.set(records.pixels.subarray(r * 3072, (r + 1) * 3072), start + labelBytes);
  }
  return out;
}

export function makeCifarRecords(n: number, seed: number, numClasses: number, coarse = false): CifarRecords {
  return {
    pixels: pseudoBytes(n * 3072, seed),
    labels: Uint8Array.from({ length: n }, (_, i) => (i * 3 + seed) % numClasses),
    coarse: coarse ? Uint8Array.from({ length: n }, (_, i) => (i * 5 + seed) % 20) : undefined,
  };
}

/** A CIFAR-10 binary directory with `perFile` records in each of the 6 files. */
export function writeCifar10Dir(dir: string, perFile = 3): { train: CifarRecords[]; test: CifarRecords } {
  fs.mkdirSync(dir, { recursive: true });
  const train = [1, 2, 3, 4, 5].map((i) => {
    const records = makeCifarRecords(perFile, i, 10);
    fs.writeFileSync(path.join(dir, `data_batch_${i}.bin`), cifarBytes(records));
    return records;
  });
  const test = makeCifarRecords(perFile, 9, 10);
  fs.writeFileSync(path.join(dir, 'test_batch.bin'), cifarBytes(test));
  fs.writeFileSync(path.join(dir, 'batches.meta.txt'),
    'airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n');
  return { train, test };
}

export function writeCifar100Dir(dir: string, counts = { train: 7, test: 4 }): { train: CifarRecords; test: CifarRecords } {
  fs.mkdirSync(dir, { recursive: true });
  const train = makeCifarRecords(counts.train, 21, 100, true);
  const test = makeCifarRecords(counts.test, 22, 100, true);
  fs.writeFileSync(path.join(dir, 'train.bin'), cifarBytes(train));
  fs.writeFileSync(path.join(dir, 'test.bin'), cifarBytes(test));
  return { train, test };
}

/** A smooth RGB test image (JPEG keeps it close to the original). */
export function smoothImage(size: number, seed: number): Uint8Array {
  const rgba = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const p = 4 * (y * size + x);
      rgba[p] = (seed * 40 + x * 3) & 255;
      rgba[p + 1] = (seed * 70 + y * 3) & 255;
      rgba[p + 2] = (seed * 20 + (x + y)) & 255;
      rgba[p + 3] = 255;
    }
  }
  return rgba;
}

export function encodeJpeg(rgba: Uint8Array, size: number, quality = 95): Buffer {
  return jpeg.encode({ data: rgba, width: size, height: size }, quality).data;
}

export interface TinyFixture {
  dir: string;
  wnids: string[];
  /** Files in the order the reader lists them, with labels. */
  train: Array<{ file: string; label: number }>;
  val: Array<{ file: string; label: number }>;
}

/** A tiny Tiny-ImageNet folder: `wnids.length` classes, `perClass` train images each, `valCount` val images. */
export function writeTinyImageNetDir(dir: string, wnids = ['n01443537', 'n01629819', 'n01641577'], perClass = 2, valCount = 4): TinyFixture {
  const fixture: TinyFixture = { dir, wnids, train: [], val: [] };
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'wnids.txt'), wnids.join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'words.txt'), wnids.map((wnid, i) => `${wnid}\tclass number ${i}`).join('\n') + '\n');
  let seed = 1;
  wnids.forEach((wnid, label) => {
    const imagesDir = path.join(dir, 'train', wnid, 'images');
    fs.mkdirSync(imagesDir, { recursive: true });
    for (let i = 0; i < perClass; i++) {
      const file = path.join(imagesDir, `${wnid}_${i}.JPEG`);
      fs.writeFileSync(file, encodeJpeg(smoothImage(64, seed++), 64));
      fixture.train.push({ file, label });
    }
  });
  fs.mkdirSync(path.join(dir, 'val', 'images'), { recursive: true });
  const lines: string[] = [];
  for (let i = 0; i < valCount; i++) {
    const label = (i * 2 + 1) % wnids.length;
    const name = `val_${i}.JPEG`;
    const file = path.join(dir, 'val', 'images', name);
    fs.writeFileSync(file, encodeJpeg(smoothImage(64, seed++), 64));
    lines.push(`${name}\t${wnids[label]}\t0\t0\t63\t63`);
    fixture.val.push({ file, label });
  }
  fs.writeFileSync(path.join(dir, 'val', 'val_annotations.txt'), lines.join('\n') + '\n');
  return fixture;
}
