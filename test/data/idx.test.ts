import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { readIdx, summarizeIdx } from '../../src/data/idx.js';
import { assertFileError } from './helpers.js';
import { idxBytes, pseudoBytes, removeDir, tempDir, writeIdx } from './fixtures.js';

const dir = tempDir();
after(() => removeDir(dir));

test('raw and gzipped IDX files read back dims and bytes exactly', () => {
  const data = pseudoBytes(5 * 4 * 3, 1);
  for (const gzip of [false, true]) {
    const file = writeIdx(path.join(dir, `images-${gzip}.idx`), [5, 4, 3], data, { gzip });
    const read = readIdx(file, 3);
    assert.deepEqual(read.dims, [5, 4, 3]);
    assert.deepEqual(Array.from(read.data), Array.from(data));
    const summary = summarizeIdx(file, 3);
    assert.deepEqual(summary, { dims: [5, 4, 3], expectedBytes: 16 + 60, actualBytes: 16 + 60 });
  }
  const labels = writeIdx(path.join(dir, 'labels.idx'), [4], Uint8Array.of(9, 0, 3, 255));
  assert.deepEqual(Array.from(readIdx(labels, 1).data), [9, 0, 3, 255]);
});

test('a missing file is named', () => {
  const file = path.join(dir, 'nothing-here-idx3-ubyte.gz');
  assertFileError(() => readIdx(file, 3), file, /^missing file$/);
  assertFileError(() => readIdx(dir, 3), dir, /not a regular file/);
});

test('a wrong magic number is reported with the value found and the value expected', () => {
  const file = writeIdx(path.join(dir, 'magic.idx'), [2, 2, 2], pseudoBytes(8, 2), { magic: 0x12345678 });
  assertFileError(() => readIdx(file, 3), file, /wrong magic number 0x12345678, expected 0x00000803/);
  // a label file where an image file is expected: right format, wrong dimensionality
  const labels = writeIdx(path.join(dir, 'swapped.idx'), [8], pseudoBytes(8, 3), { gzip: true });
  assertFileError(() => readIdx(labels, 3), labels, /wrong magic number 0x00000801, expected 0x00000803/);
  // an element type other than unsigned byte (0x0D = float)
  const floats = writeIdx(path.join(dir, 'float.idx'), [2], pseudoBytes(2, 3), { magic: 0x0d01 });
  assertFileError(() => readIdx(floats, 1), floats, /wrong magic number 0x00000d01, expected 0x00000801/);
});

test('truncated files are errors, in the magic number, the header and the data', () => {
  const full = idxBytes([3, 4, 4], pseudoBytes(48, 4));
  const cases: Array<[number, RegExp]> = [
    [2, /truncated: 2 bytes, shorter than the 4-byte IDX magic number/],
    [10, /truncated: 10 bytes, the IDX header alone needs 16/],
    [full.length - 1, /truncated: 63 bytes, the header \(3×4×4\) needs 64/],
  ];
  for (const [length, defect] of cases) {
    const file = path.join(dir, `truncated-${length}.idx`);
    fs.writeFileSync(file, full.subarray(0, length));
    assertFileError(() => readIdx(file, 3), file, defect);
  }
});

test('extra bytes after the data are a wrong size, not ignored', () => {
  const file = path.join(dir, 'long.idx');
  fs.writeFileSync(file, Buffer.concat([idxBytes([2, 2, 2], pseudoBytes(8, 5)), Buffer.from([1, 2, 3])]));
  assertFileError(() => readIdx(file, 3), file, /wrong size: 27 bytes, the header \(2×2×2\) needs exactly 24 \(3 trailing bytes\)/);
});

test('a truncated or damaged gzip stream is an error', () => {
  const gz = zlib.gzipSync(idxBytes([50, 28, 28], pseudoBytes(50 * 784, 6)));
  const file = path.join(dir, 'cut.idx.gz');
  fs.writeFileSync(file, gz.subarray(0, Math.floor(gz.length / 2)));
  assertFileError(() => readIdx(file, 3), file, /truncated or corrupt gzip data \(zlib: unexpected end of file\)/);
  const damaged = Buffer.from(gz);
  damaged[gz.length - 6] ^= 0xff; // the CRC trailer no longer matches
  fs.writeFileSync(file, damaged);
  assertFileError(() => readIdx(file, 3), file, /truncated or corrupt gzip data/);
});

test('summarizeIdx reports a size mismatch from the gzip trailer without decompressing', () => {
  const file = path.join(dir, 'short.idx.gz');
  fs.writeFileSync(file, zlib.gzipSync(idxBytes([10, 2, 2], pseudoBytes(40, 7)).subarray(0, 50)));
  assert.deepEqual(summarizeIdx(file, 3), { dims: [10, 2, 2], expectedBytes: 56, actualBytes: 50 });
});
