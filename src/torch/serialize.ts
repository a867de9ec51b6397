// Named tensors to and from disk: safetensors (any language reads it) and .pt (Python's torch.load reads it).
import fs from 'node:fs';
import { createHash } from 'node:crypto';
import { native } from './native.js';
import { Tensor, wrap } from './tensor.js';
import { dtypeCode, type DType } from './dtype.js';
import { writeFileAtomic } from '../foundations/atomic.js';
import { aten } from './ops.js';
import { readPtArchive, PtFormatError, type PtTensorRecord } from './pt-format.js';

const safetensorsDtypes: Record<DType, string> = {
  float32: 'F32', float64: 'F64', float16: 'F16', int64: 'I64', int32: 'I32', int16: 'I16', int8: 'I8',
  uint8: 'U8', bool: 'BOOL',
};
const dtypeBySafetensors = new Map(Object.entries(safetensorsDtypes).map(([dtype, tag]) => [tag, dtype as DType]));

export type NamedTensors = Record<string, Tensor>;

/**
 * Metadata key of the SHA-256 over a file's other metadata and its tensors (header entries and data), written by
 * encodeSafetensors and verified by decodeSafetensors: a torn or bit-flipped file is an error, never data.
 */
export const CHECKSUM_KEY = 'sketchprune.sha256';

function checksumOf(metadata: Record<string, string>, entries: string, chunks: Uint8Array[]): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify(Object.entries(metadata).filter(([key]) => key !== CHECKSUM_KEY).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
  hash.update(entries);
  for (const chunk of chunks) hash.update(chunk);
  return hash.digest('hex');
}

/** safetensors bytes: 8-byte little-endian header length, JSON header, then the raw little-endian data. */
export function encodeSafetensors(tensors: NamedTensors, metadata: Record<string, string> = {}): Buffer {
  const header: Record<string, unknown> = {};
  const chunks: Uint8Array[] = [];
  const entries: Record<string, unknown> = {};
  let offset = 0;
  for (const name of Object.keys(tensors).sort()) {
    const tensor = tensors[name];
    const bytes = new Uint8Array(native.toBuffer(tensor.handle));
    entries[name] = { dtype: safetensorsDtypes[tensor.dtype], shape: tensor.shape, data_offsets: [offset, offset + bytes.length] };
    chunks.push(bytes);
    offset += bytes.length;
  }
  header.__metadata__ = { ...metadata, [CHECKSUM_KEY]: checksumOf(metadata, JSON.stringify(entries), chunks) };
  Object.assign(header, entries);
  const json = JSON.stringify(header);
  // Pads by UTF-8 bytes (not UTF-16 units: metadata may hold any text) so the data starts 8-byte aligned.
  const headerBytes = Buffer.from(json + ' '.repeat((8 - (Buffer.byteLength(json, 'utf8') % 8)) % 8), 'utf8');
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(headerBytes.length));
  return Buffer.concat([prefix, headerBytes, ...chunks]);
}

const bytesPerElement: Record<DType, number> = {
  float64: 8, int64: 8, float32: 4, int32: 4, float16: 2, int16: 2, int8: 1, uint8: 1, bool: 1,
};

export function decodeSafetensors(bytes: Buffer, source = 'safetensors data'): { tensors: NamedTensors; metadata: Record<string, string> } {
  if (bytes.length < 8) throw new Error(`${source}: too short for a safetensors file (${bytes.length} bytes)`);
  const headerLength = Number(bytes.readBigUInt64LE(0));
  if (headerLength > bytes.length - 8) throw new Error(`${source}: header length ${headerLength} exceeds the file`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8'));
  } catch {
    throw new Error(`${source}: header is not valid JSON`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) {
    throw new Error(`${source}: header is not a JSON object`);
  }
  const data = bytes.subarray(8 + headerLength);
  const metadata = { ...((header.__metadata__ ?? {}) as Record<string, string>) };
  const entries: [string, DType, number[], number, number][] = [];
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const entry = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown } | null;
    const shape = entry?.shape;
    const offsets = entry?.data_offsets;
    if (!Array.isArray(shape) || !shape.every((size) => Number.isInteger(size) && size >= 0) ||
      !Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((offset) => Number.isInteger(offset))) {
      throw new Error(`${source}: tensor '${name}' has a malformed entry ${JSON.stringify(raw)}`);
    }
    const dtype = dtypeBySafetensors.get(String(entry!.dtype));
    if (!dtype) throw new Error(`${source}: tensor '${name}' has unsupported dtype ${String(entry!.dtype)}`);
    const [start, end] = offsets as [number, number];
    if (!(start >= 0 && end <= data.length && start <= end)) {
      throw new Error(`${source}: tensor '${name}' data [${start}, ${end}) lies outside the file (${data.length} data bytes)`);
    }
    const needed = (shape as number[]).reduce((a, b) => a * b, 1) * bytesPerElement[dtype];
    if (end - start !== needed) {
      throw new Error(`${source}: tensor '${name}' has ${end - start} bytes, but shape [${shape}] of ${dtype} needs ${needed}`);
    }
    entries.push([name, dtype, shape as number[], start, end]);
  }
  const dataEnd = entries.reduce((end, entry) => Math.max(end, entry[4]), 0);
  if (dataEnd !== data.length) {
    // As the reference (Rust) reader: bytes past the last tensor mean a damaged or spliced file.
    throw new Error(`${source}: ${data.length - dataEnd} bytes follow the last tensor's data (${dataEnd} data bytes expected)`);
  }
  const expected = metadata[CHECKSUM_KEY];
  if (expected !== undefined) {
    // Files from other writers have no checksum; ours always do, and a mismatch means a damaged file.
    const described: Record<string, unknown> = {};
    for (const [name, , , ] of [...entries].sort((a, b) => (a[0] < b[0] ? -1 : 1))) described[name] = header[name];
    const actual = checksumOf(metadata, JSON.stringify(described), [data]);
    if (actual !== expected) throw new Error(`${source}: checksum mismatch (the file is damaged or was changed after it was written)`);
    delete metadata[CHECKSUM_KEY];
  }
  const tensors: NamedTensors = {};
  for (const [name, dtype, shape, start, end] of entries) {
    // fromBuffer copies the bytes (at any alignment) into the new tensor: no copy of our own first
    tensors[name] = wrap(native.fromBuffer(data.subarray(start, end), dtypeCode(dtype), shape));
  }
  return { tensors, metadata };
}

export function saveSafetensors(file: string, tensors: NamedTensors, metadata: Record<string, string> = {}): void {
  writeFileAtomic(file, encodeSafetensors(tensors, metadata));
}

export function loadSafetensors(file: string): { tensors: NamedTensors; metadata: Record<string, string> } {
  if (!fs.existsSync(file)) throw new Error(`${file}: no such file`);
  return decodeSafetensors(fs.readFileSync(file), file);
}

/** Writes a dict name -> tensor that Python reads with torch.load(file). */
export function savePt(file: string, tensors: NamedTensors): void {
  const names = Object.keys(tensors);
  writeFileAtomic(file, native.savePt(names, names.map((name) => tensors[name].handle)));
}

/**
 * Reads a dict name -> tensor written by torch.save (or savePt), as contiguous CPU tensors. The archive is parsed
 * and checked here (pt-format.ts: CRCs, a pickle VM that knows only tensor files, storage sizes, strides and
 * offsets within their storage) before any tensor is built, so a corrupt or crafted file is an Error, never a crash
 * or an out-of-bounds read.
 */
export function loadPt(file: string): NamedTensors {
  if (!fs.existsSync(file)) throw new Error(`${file}: no such file`);
  return decodePt(fs.readFileSync(file), file);
}

const asStrided = aten('as_strided');
const cloneOp = aten('clone');

export function decodePt(bytes: Buffer, source = '.pt data'): NamedTensors {
  let records: PtTensorRecord[];
  try {
    records = readPtArchive(bytes);
  } catch (error) {
    if (error instanceof PtFormatError) throw new Error(`loadPt: ${source}: ${error.message}`);
    throw error;
  }
  const tensors: NamedTensors = {};
  const storages = new Map<Buffer, Tensor>();
  try {
    for (const record of records) {
      let storage = storages.get(record.storage);
      if (!storage) {
        storage = wrap(native.fromBuffer(record.storage, dtypeCode(record.dtype), [record.storageElements]));
        storages.set(record.storage, storage);
      }
      const view = wrap(asStrided(storage.handle, record.sizes, record.strides, record.offset));
      tensors[record.name] = wrap(cloneOp(view.handle, 0 /* contiguous_format */));
      view.dispose();
      if (record.requiresGrad) tensors[record.name].requiresGrad_(true);
    }
  } catch (error) {
    for (const tensor of Object.values(tensors)) tensor.dispose();
    throw error;
  } finally {
    for (const storage of storages.values()) storage.dispose();
  }
  return tensors;
}
