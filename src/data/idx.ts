// The IDX format of MNIST and Fashion-MNIST (raw or gzipped): a 4-byte magic number 0x0000TTNN (element type
// TT, NN dimensions), NN big-endian uint32 sizes, then the elements in row-major order.
import fs from 'node:fs';
import zlib from 'node:zlib';
import { DatasetFileError, count } from './errors.js';

/** IDX element type code of unsigned bytes, the only one the image datasets use. */
export const IDX_UBYTE = 0x08;

export interface IdxArray {
  /** Sizes from the header, e.g. [60000, 28, 28]. */
  dims: number[];
  /** The elements (unsigned bytes), exactly prod(dims) of them. */
  data: Uint8Array;
}

/** The file's bytes; a missing file or a directory gives an error naming the file. */
export function readFileBytes(file: string): Buffer {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new DatasetFileError(file, 'missing file');
  }
  if (!stat.isFile()) throw new DatasetFileError(file, 'not a regular file');
  return fs.readFileSync(file);
}

const isGzip = (bytes: Uint8Array): boolean => bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;

/** Decompresses gzip data (recognized by its magic bytes, not the file name); other data passes through. */
export function gunzipIfNeeded(file: string, bytes: Buffer): Buffer {
  if (!isGzip(bytes)) return bytes;
  try {
    return zlib.gunzipSync(bytes);
  } catch (error) {
    throw new DatasetFileError(file, `truncated or corrupt gzip data (zlib: ${(error as Error).message})`);
  }
}

function magicText(magic: number): string {
  return `0x${(magic >>> 0).toString(16).padStart(8, '0')}`;
}

/** Checks the magic number and header of IDX bytes; returns the dims and where the data starts. */
function parseHeader(file: string, bytes: Uint8Array, expectedDims: number): { dims: number[]; offset: number } {
  const expectedMagic = (IDX_UBYTE << 8) | expectedDims;
  if (bytes.length < 4) {
    throw new DatasetFileError(file, `truncated: ${bytes.length} bytes, shorter than the 4-byte IDX magic number`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  if (magic !== expectedMagic) {
    throw new DatasetFileError(file, `wrong magic number ${magicText(magic)}, expected ${magicText(expectedMagic)} ` +
      `(IDX unsigned bytes, ${expectedDims} dimension${expectedDims === 1 ? '' : 's'})`);
  }
  const offset = 4 + 4 * expectedDims;
  if (bytes.length < offset) {
    throw new DatasetFileError(file, `truncated: ${bytes.length} bytes, the IDX header alone needs ${offset}`);
  }
  const dims: number[] = [];
  for (let i = 0; i < expectedDims; i++) dims.push(view.getUint32(4 + 4 * i, false));
  return { dims, offset };
}

/** Parses IDX bytes (already decompressed) holding unsigned bytes with `expectedDims` dimensions. */
export function parseIdx(file: string, bytes: Uint8Array, expectedDims: number): IdxArray {
  const { dims, offset } = parseHeader(file, bytes, expectedDims);
  const elements = dims.reduce((a, b) => a * b, 1);
  const expected = offset + elements;
  const shape = dims.join('×');
  if (bytes.length < expected) {
    throw new DatasetFileError(file, `truncated: ${count(bytes.length)} bytes, the header (${shape}) needs ${count(expected)}`);
  }
  if (bytes.length > expected) {
    throw new DatasetFileError(file, `wrong size: ${count(bytes.length)} bytes, the header (${shape}) needs exactly ` +
      `${count(expected)} (${count(bytes.length - expected)} trailing bytes)`);
  }
  return { dims, data: bytes.subarray(offset) };
}

/** Reads an IDX file of unsigned bytes, gzipped or not. */
export function readIdx(file: string, expectedDims: number): IdxArray {
  return parseIdx(file, gunzipIfNeeded(file, readFileBytes(file)), expectedDims);
}

export interface IdxSummary {
  dims: number[];
  /** Bytes the header asks for, and bytes the file holds (uncompressed; for gzip from its size trailer). */
  expectedBytes: number;
  actualBytes: number;
}

/**
 * Reads only the header (and, for gzip, the size trailer) — cheap enough to list datasets. A size mismatch is
 * reported in the summary, not thrown; a missing file or a wrong magic number is thrown.
 */
export function summarizeIdx(file: string, expectedDims: number): IdxSummary {
  const whole = readFileBytes(file);
  let head: Uint8Array = whole;
  let actualBytes = whole.length;
  if (isGzip(whole)) {
    try {
      head = zlib.gunzipSync(whole.subarray(0, 4096), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
    } catch (error) {
      throw new DatasetFileError(file, `corrupt gzip data (zlib: ${(error as Error).message})`);
    }
    // gzip's last 4 bytes hold the uncompressed size modulo 2^32 (exact for these datasets)
    actualBytes = whole.length >= 18 ? whole.readUInt32LE(whole.length - 4) : 0;
  }
  const { dims, offset } = parseHeader(file, head, expectedDims);
  return { dims, expectedBytes: offset + dims.reduce((a, b) => a * b, 1), actualBytes };
}
