// Reading torch.save's zip format in TypeScript, with every size, offset and stride checked against the archive
// before a tensor is built. libtorch's own unpickler trusts the file: crafted files segfaulted it, corrupted its
// heap, or built tensors whose storage was shorter than their shape (reads past the buffer). Here nothing but
// bytes leave this module, and anything the format does not allow is an Error naming the file and the problem.
//
// The archive: a zip (stored or deflated entries, CRC-32 checked) of `<prefix>/data.pkl` (a pickle, protocol
// ≤ 5, of a dict name -> tensor), `<prefix>/data/<key>` (raw little-endian storage bytes) and small text records.
// The unpickler knows only the opcodes torch.save emits and only these globals: collections.OrderedDict,
// torch._utils._rebuild_tensor_v2 / _rebuild_parameter, torch.<Type>Storage and torch.jit._pickle.restore_type_tag.
// Anything else (os.system, builtins.eval, …) is refused before it could mean anything.
import zlib from 'node:zlib';
import type { DType } from './dtype.js';

export interface PtTensorRecord {
  name: string;
  dtype: DType;
  /** The storage's bytes (a view into the archive or an inflated copy) and its element count. */
  storage: Buffer;
  storageElements: number;
  offset: number;
  sizes: number[];
  strides: number[];
  requiresGrad: boolean;
}

export class PtFormatError extends Error {}

const storageDtypes: Record<string, [DType, number]> = {
  DoubleStorage: ['float64', 8], FloatStorage: ['float32', 4], HalfStorage: ['float16', 2],
  LongStorage: ['int64', 8], IntStorage: ['int32', 4], ShortStorage: ['int16', 2], CharStorage: ['int8', 1],
  ByteStorage: ['uint8', 1], BoolStorage: ['bool', 1],
};

// Limits a sane file stays far below; a crafted one must not make us allocate or loop without bound.
const maxRecords = 1 << 20;
const maxPickleItems = 1 << 24;
const maxDims = 64;
const maxDepth = 1000;

// ----------------------------------------------------------------------------------------------------------- zip

let crcTable: Uint32Array | null = null;
export function crc32(bytes: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = crcTable[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

interface ZipEntry { name: string; method: number; crc: number; compressedSize: number; size: number; localOffset: number }

function fail(message: string): never {
  throw new PtFormatError(message);
}

function readZipDirectory(bytes: Buffer): Map<string, ZipEntry> {
  if (bytes.length < 22) fail(`too short for a zip archive (${bytes.length} bytes); not a torch.save file`);
  let end = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 0xffff); i--) {
    if (bytes.readUInt32LE(i) === 0x06054b50) { end = i; break; }
  }
  if (end < 0) fail('no zip end-of-directory record: not a torch.save (zip) file, or truncated');
  let count = bytes.readUInt16LE(end + 10);
  let directorySize = bytes.readUInt32LE(end + 12);
  let directoryOffset = bytes.readUInt32LE(end + 16);
  if (count === 0xffff || directorySize === 0xffffffff || directoryOffset === 0xffffffff) {
    const locator = end - 20;
    if (locator < 0 || bytes.readUInt32LE(locator) !== 0x07064b50) fail('zip64 archive without a zip64 locator');
    const record = Number(bytes.readBigUInt64LE(locator + 8));
    if (!(record >= 0 && record + 56 <= bytes.length) || bytes.readUInt32LE(record) !== 0x06064b50) {
      fail('zip64 end-of-directory record lies outside the file');
    }
    count = Number(bytes.readBigUInt64LE(record + 32));
    directorySize = Number(bytes.readBigUInt64LE(record + 40));
    directoryOffset = Number(bytes.readBigUInt64LE(record + 48));
  }
  if (count > maxRecords) fail(`zip directory claims ${count} entries`);
  if (!(directoryOffset + directorySize <= bytes.length)) fail('zip directory lies outside the file');
  const entries = new Map<string, ZipEntry>();
  let at = directoryOffset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > directoryOffset + directorySize || bytes.readUInt32LE(at) !== 0x02014b50) {
      fail(`zip directory entry ${i} is malformed`);
    }
    const flags = bytes.readUInt16LE(at + 8);
    const method = bytes.readUInt16LE(at + 10);
    const crc = bytes.readUInt32LE(at + 16);
    let compressedSize = bytes.readUInt32LE(at + 20);
    let size = bytes.readUInt32LE(at + 24);
    const nameLength = bytes.readUInt16LE(at + 28);
    const extraLength = bytes.readUInt16LE(at + 30);
    const commentLength = bytes.readUInt16LE(at + 32);
    let localOffset = bytes.readUInt32LE(at + 42);
    const next = at + 46 + nameLength + extraLength + commentLength;
    if (next > directoryOffset + directorySize) fail(`zip directory entry ${i} runs past the directory`);
    if (flags & 1) fail('encrypted zip entries are not supported');
    const name = bytes.toString('utf8', at + 46, at + 46 + nameLength);
    // zip64 extended information: the 64-bit values of the fields that hold 0xffffffff, in this order.
    let extra = at + 46 + nameLength;
    const extraEnd = extra + extraLength;
    while (extra + 4 <= extraEnd) {
      const id = bytes.readUInt16LE(extra);
      const length = bytes.readUInt16LE(extra + 2);
      if (extra + 4 + length > extraEnd) break;
      if (id === 0x0001) {
        let field = extra + 4;
        const take = (): number => {
          if (field + 8 > extra + 4 + length) fail(`zip64 extra field of '${name}' is too short`);
          const value = Number(bytes.readBigUInt64LE(field));
          field += 8;
          return value;
        };
        if (size === 0xffffffff) size = take();
        if (compressedSize === 0xffffffff) compressedSize = take();
        if (localOffset === 0xffffffff) localOffset = take();
      }
      extra += 4 + length;
    }
    if (entries.has(name)) fail(`zip holds '${name}' twice`);
    entries.set(name, { name, method, crc, compressedSize, size, localOffset });
    at = next;
  }
  return entries;
}

function readZipEntry(bytes: Buffer, entry: ZipEntry): Buffer {
  const at = entry.localOffset;
  if (!(at + 30 <= bytes.length) || bytes.readUInt32LE(at) !== 0x04034b50) {
    fail(`zip entry '${entry.name}': local header missing or outside the file`);
  }
  const start = at + 30 + bytes.readUInt16LE(at + 26) + bytes.readUInt16LE(at + 28);
  if (!(start + entry.compressedSize <= bytes.length)) {
    fail(`zip entry '${entry.name}': its ${entry.compressedSize} bytes run past the end of the file (truncated?)`);
  }
  const raw = bytes.subarray(start, start + entry.compressedSize);
  let data: Buffer;
  if (entry.method === 0) {
    if (entry.size !== entry.compressedSize) fail(`zip entry '${entry.name}': stored entry with two different sizes`);
    data = raw;
  } else if (entry.method === 8) {
    if (entry.size > 0x7fffffff) fail(`zip entry '${entry.name}': claims ${entry.size} inflated bytes`);
    try {
      data = zlib.inflateRawSync(raw, { maxOutputLength: Math.max(1, entry.size) });
    } catch (error) {
      fail(`zip entry '${entry.name}': cannot inflate (${(error as Error).message})`);
    }
    if (data.length !== entry.size) fail(`zip entry '${entry.name}': inflates to ${data.length} bytes, not ${entry.size}`);
  } else {
    fail(`zip entry '${entry.name}': unsupported compression method ${entry.method}`);
  }
  if (crc32(data) !== entry.crc) fail(`zip entry '${entry.name}': CRC-32 mismatch (the file is corrupt)`);
  return data;
}

// -------------------------------------------------------------------------------------------------------- pickle

class Global { constructor(readonly module: string, readonly name: string) {} }
class Tuple { constructor(readonly items: PickleValue[]) {} }
class StorageRef { constructor(readonly dtype: DType, readonly elementSize: number, readonly key: string, readonly elements: number) {} }
class TensorValue {
  constructor(readonly storage: StorageRef, readonly offset: number, readonly sizes: number[], readonly strides: number[],
    readonly requiresGrad: boolean) {}
}
type PickleValue = null | boolean | number | bigint | string | Tuple | PickleValue[] | Map<PickleValue, PickleValue> |
  Global | StorageRef | TensorValue | typeof markObject;
const markObject = Symbol('mark');

const allowedGlobals = new Set([
  'collections OrderedDict', 'torch._utils _rebuild_tensor_v2', 'torch._utils _rebuild_parameter',
  'torch.jit._pickle restore_type_tag', ...Object.keys(storageDtypes).map((name) => `torch ${name}`),
]);

function describeValue(value: PickleValue): string {
  if (value === null) return 'None';
  if (value instanceof Tuple) return `tuple of ${value.items.length}`;
  if (Array.isArray(value)) return `list of ${value.length}`;
  if (value instanceof Map) return 'dict';
  if (value instanceof Global) return `${value.module}.${value.name}`;
  if (value instanceof StorageRef) return 'storage';
  if (value instanceof TensorValue) return 'tensor';
  if (value === markObject) return 'mark';
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'string') return JSON.stringify(value.slice(0, 40));
  return typeof value;
}

function asIndex(value: PickleValue, what: string): number {
  const number = typeof value === 'bigint' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isSafeInteger(number) || number < 0) {
    fail(`${what} must be a non-negative integer, got ${describeValue(value)}`);
  }
  return number;
}

function asIndexTuple(value: PickleValue, what: string): number[] {
  const items = value instanceof Tuple ? value.items : Array.isArray(value) ? value : fail(`${what} must be a tuple, got ${describeValue(value)}`);
  if (items.length > maxDims) fail(`${what} has ${items.length} dimensions (at most ${maxDims})`);
  return items.map((item, i) => asIndex(item, `${what}[${i}]`));
}

function rebuildTensor(args: PickleValue[], storages: Map<string, number>): TensorValue {
  if (args.length < 4) fail(`_rebuild_tensor_v2 needs 4+ arguments, got ${args.length}`);
  const [storage, offsetValue, sizesValue, stridesValue, requiresGradValue] = args;
  if (!(storage instanceof StorageRef)) fail(`_rebuild_tensor_v2: first argument is ${describeValue(storage)}, not a storage`);
  const offset = asIndex(offsetValue, 'tensor storage offset');
  const sizes = asIndexTuple(sizesValue, 'tensor size');
  const strides = asIndexTuple(stridesValue, 'tensor stride');
  if (sizes.length !== strides.length) fail(`tensor has ${sizes.length} sizes but ${strides.length} strides`);
  let elements = 1;
  for (const size of sizes) {
    elements *= size;
    if (!Number.isSafeInteger(elements)) fail(`tensor size [${sizes}] overflows`);
  }
  const recordBytes = storages.get(storage.key);
  if (recordBytes === undefined) fail(`storage '${storage.key}' has no data record in the archive`);
  if (storage.elements * storage.elementSize !== recordBytes) {
    fail(`storage '${storage.key}' claims ${storage.elements} ${storage.dtype} elements but its record holds ${recordBytes} bytes`);
  }
  if (elements > 0) {
    let last = offset;
    for (let d = 0; d < sizes.length; d++) last += (sizes[d] - 1) * strides[d];
    if (!(Number.isSafeInteger(last) && last < storage.elements)) {
      fail(`tensor of size [${sizes}], stride [${strides}] and offset ${offset} reads element ${last} of a storage of ` +
        `${storage.elements} elements`);
    }
  }
  const requiresGrad = requiresGradValue === true;
  return new TensorValue(storage, offset, sizes, strides, requiresGrad);
}

function unpickle(data: Buffer, storages: Map<string, number>): PickleValue {
  const stack: PickleValue[] = [];
  const marks: number[] = [];
  const memo = new Map<number, PickleValue>();
  let at = 0;
  let items = 0;
  const need = (count: number): void => {
    if (at + count > data.length) fail('pickle ends in the middle of an instruction (truncated)');
  };
  const u8 = (): number => { need(1); return data[at++]; };
  const u16 = (): number => { need(2); const v = data.readUInt16LE(at); at += 2; return v; };
  const u32 = (): number => { need(4); const v = data.readUInt32LE(at); at += 4; return v; };
  const text = (length: number): string => { need(length); const v = data.toString('utf8', at, at + length); at += length; return v; };
  const line = (): string => {
    const end = data.indexOf(0x0a, at);
    if (end < 0 || end - at > 256) fail('pickle GLOBAL without a line end');
    const v = data.toString('utf8', at, end);
    at = end + 1;
    return v;
  };
  const pop = (): PickleValue => {
    if (stack.length === 0 || (marks.length > 0 && stack.length <= marks[marks.length - 1])) fail('pickle pops an empty stack');
    return stack.pop()!;
  };
  const push = (value: PickleValue): void => {
    if (++items > maxPickleItems) fail('pickle holds too many items');
    stack.push(value);
  };
  const popMark = (): PickleValue[] => {
    if (marks.length === 0) fail('pickle closes a MARK it never opened');
    const start = marks.pop()!;
    return stack.splice(start);
  };
  const top = (): PickleValue => {
    if (stack.length === 0) fail('pickle refers to an empty stack');
    return stack[stack.length - 1];
  };
  const setItems = (dict: PickleValue, pairs: PickleValue[]): void => {
    if (!(dict instanceof Map)) fail(`pickle sets items on ${describeValue(dict)}, not a dict`);
    if (pairs.length % 2 !== 0) fail('pickle SETITEMS with an odd number of values');
    for (let i = 0; i < pairs.length; i += 2) {
      const key = pairs[i];
      if (typeof key !== 'string') fail(`dict key is ${describeValue(key)}, not a string`);
      dict.set(key, pairs[i + 1]);
    }
  };
  const memoize = (index: number): void => { memo.set(index, top()); };
  const recall = (index: number): void => {
    if (!memo.has(index)) fail(`pickle reads memo entry ${index}, which was never written`);
    push(memo.get(index)!);
  };
  for (;;) {
    const opcode = u8();
    switch (opcode) {
      case 0x80: u8(); break; // PROTO
      case 0x95: need(8); at += 8; break; // FRAME: a size hint only
      case 0x2e: { // STOP
        if (stack.length !== 1 || marks.length !== 0) fail(`pickle stops with ${stack.length} values on its stack`);
        return stack[0];
      }
      case 0x28: // MARK
        if (marks.length >= maxDepth) fail('pickle nests too deeply');
        marks.push(stack.length);
        break;
      case 0x7d: push(new Map()); break; // EMPTY_DICT
      case 0x5d: push([]); break; // EMPTY_LIST
      case 0x29: push(new Tuple([])); break; // EMPTY_TUPLE
      case 0x74: push(new Tuple(popMark())); break; // TUPLE
      case 0x85: { const a = pop(); push(new Tuple([a])); break; } // TUPLE1
      case 0x86: { const b = pop(); const a = pop(); push(new Tuple([a, b])); break; } // TUPLE2
      case 0x87: { const c = pop(); const b = pop(); const a = pop(); push(new Tuple([a, b, c])); break; } // TUPLE3
      case 0x4e: push(null); break; // NONE
      case 0x88: push(true); break; // NEWTRUE
      case 0x89: push(false); break; // NEWFALSE
      case 0x4b: push(u8()); break; // BININT1
      case 0x4d: push(u16()); break; // BININT2
      case 0x4a: { need(4); const v = data.readInt32LE(at); at += 4; push(v); break; } // BININT
      case 0x8a: { // LONG1
        const length = u8();
        need(length);
        let value = 0n;
        for (let i = length - 1; i >= 0; i--) value = (value << 8n) | BigInt(data[at + i]);
        if (length > 0 && data[at + length - 1] & 0x80) value -= 1n << BigInt(8 * length);
        at += length;
        push(value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value);
        break;
      }
      case 0x47: { need(8); const v = data.readDoubleBE(at); at += 8; push(v); break; } // BINFLOAT
      case 0x58: push(text(u32())); break; // BINUNICODE
      case 0x8c: push(text(u8())); break; // SHORT_BINUNICODE
      case 0x8d: { need(8); const length = Number(data.readBigUInt64LE(at)); at += 8; push(text(length)); break; } // BINUNICODE8
      case 0x71: memoize(u8()); break; // BINPUT
      case 0x72: memoize(u32()); break; // LONG_BINPUT
      case 0x94: memoize(memo.size); break; // MEMOIZE
      case 0x68: recall(u8()); break; // BINGET
      case 0x6a: recall(u32()); break; // LONG_BINGET
      case 0x63: { // GLOBAL
        const module = line();
        const name = line();
        if (!allowedGlobals.has(`${module} ${name}`)) fail(`pickle refers to ${module}.${name}, which a tensor file never needs (refused)`);
        push(new Global(module, name));
        break;
      }
      case 0x93: { // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string' || !allowedGlobals.has(`${module} ${name}`)) {
          fail(`pickle refers to ${String(module)}.${String(name)}, which a tensor file never needs (refused)`);
        }
        push(new Global(module, name));
        break;
      }
      case 0x51: { // BINPERSID
        const id = pop();
        const parts = id instanceof Tuple ? id.items : fail(`persistent id is ${describeValue(id)}, not a tuple`);
        const [kind, type, key, , elements] = parts;
        if (parts.length !== 5 || kind !== 'storage' || !(type instanceof Global) || typeof key !== 'string') {
          fail('persistent id is not (\'storage\', type, key, location, size)');
        }
        const [dtype, elementSize] = storageDtypes[type.name] ?? fail(`unsupported storage type ${type.module}.${type.name}`);
        push(new StorageRef(dtype, elementSize, key, asIndex(elements, `storage '${key}' size`)));
        break;
      }
      case 0x52: { // REDUCE
        const args = pop();
        const callable = pop();
        if (!(callable instanceof Global)) fail(`pickle calls ${describeValue(callable)}`);
        if (!(args instanceof Tuple)) fail(`pickle calls ${callable.module}.${callable.name} without an argument tuple`);
        const qualified = `${callable.module}.${callable.name}`;
        if (qualified === 'collections.OrderedDict') {
          if (args.items.length !== 0) fail('OrderedDict called with arguments');
          push(new Map());
        } else if (qualified === 'torch._utils._rebuild_tensor_v2') {
          push(rebuildTensor(args.items, storages));
        } else if (qualified === 'torch._utils._rebuild_parameter') {
          const [tensor, requiresGrad] = args.items;
          if (!(tensor instanceof TensorValue)) fail('_rebuild_parameter of something that is not a tensor');
          push(new TensorValue(tensor.storage, tensor.offset, tensor.sizes, tensor.strides, requiresGrad === true));
        } else if (qualified === 'torch.jit._pickle.restore_type_tag') {
          if (args.items.length !== 2) fail('restore_type_tag needs 2 arguments');
          push(args.items[0]);
        } else {
          fail(`pickle calls ${qualified}, which cannot be called`);
        }
        break;
      }
      case 0x73: { const value = pop(); const key = pop(); setItems(top(), [key, value]); break; } // SETITEM
      case 0x75: { const pairs = popMark(); setItems(top(), pairs); break; } // SETITEMS
      case 0x61: { // APPEND
        const value = pop();
        const list = top();
        if (!Array.isArray(list)) fail(`pickle appends to ${describeValue(list)}`);
        list.push(value);
        break;
      }
      case 0x65: { // APPENDS
        const values = popMark();
        const list = top();
        if (!Array.isArray(list)) fail(`pickle appends to ${describeValue(list)}`);
        for (const value of values) list.push(value);
        break;
      }
      case 0x62: { // BUILD: only the empty state torch.save gives OrderedDicts and parameters
        const state = pop();
        const target = top();
        if (!(target instanceof Map || target instanceof TensorValue)) fail(`pickle BUILD on ${describeValue(target)}`);
        if (!(state === null || (state instanceof Map && state.size === 0) || (state instanceof Tuple))) fail('pickle BUILD with a state');
        break;
      }
      default:
        fail(`pickle opcode 0x${opcode.toString(16).padStart(2, '0')} at byte ${at - 1} is not one torch.save writes`);
    }
  }
}

// ------------------------------------------------------------------------------------------------------- archive

/** Every tensor a torch.save zip holds, validated; throws PtFormatError for anything else. */
export function readPtArchive(bytes: Buffer): PtTensorRecord[] {
  if (bytes.length >= 2 && bytes[0] === 0x80 && bytes[1] === 0x02) {
    fail('legacy (pre-1.6, non-zip) torch.save format; re-save it with a current PyTorch');
  }
  const entries = readZipDirectory(bytes);
  const pickles = [...entries.keys()].filter((name) => /^[^/]+\/data\.pkl$/.test(name));
  if (pickles.length !== 1) fail(`expected one '<name>/data.pkl' in the archive, found ${pickles.length}`);
  const prefix = pickles[0].slice(0, -'data.pkl'.length);
  const byteOrder = entries.get(`${prefix}byteorder`);
  if (byteOrder && readZipEntry(bytes, byteOrder).toString('latin1') !== 'little') fail('big-endian tensor data is not supported');
  const storageSizes = new Map<string, number>();
  for (const [name, entry] of entries) {
    if (name.startsWith(`${prefix}data/`)) storageSizes.set(name.slice(prefix.length + 5), entry.size);
  }
  const root = unpickle(readZipEntry(bytes, entries.get(pickles[0])!), storageSizes);
  if (!(root instanceof Map)) fail('the file does not hold a dict of tensors');
  const storages = new Map<string, Buffer>();
  const records: PtTensorRecord[] = [];
  for (const [name, value] of root) {
    if (!(value instanceof TensorValue)) fail(`the dict must map strings to tensors ('${String(name)}' holds ${describeValue(value)}); the file does not hold a dict of tensors`);
    const { storage } = value;
    let data = storages.get(storage.key);
    if (!data) {
      data = readZipEntry(bytes, entries.get(`${prefix}data/${storage.key}`)!);
      storages.set(storage.key, data);
    }
    if (data.length !== storage.elements * storage.elementSize) fail(`storage '${storage.key}' changed size while reading`);
    records.push({
      name: name as string, dtype: storage.dtype, storage: data, storageElements: storage.elements, offset: value.offset,
      sizes: value.sizes, strides: value.strides, requiresGrad: value.requiresGrad,
    });
  }
  return records;
}
