// Builds torch.save-format files by hand (zip of stored entries + a protocol-2 pickle), so tests can craft
// hostile ones: storages shorter than their tensor, wild strides and offsets, foreign globals, bad opcodes.
import { crc32 } from '../../src/torch/pt-format.js';

/** A zip archive of stored (uncompressed) entries with correct CRCs. */
export function zipStored(entries: [string, Buffer][]): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const [name, data] of entries) {
    const nameBytes = Buffer.from(name, 'utf8');
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const header = Buffer.alloc(46);
    header.writeUInt32LE(0x02014b50, 0);
    header.writeUInt16LE(20, 4);
    header.writeUInt16LE(20, 6);
    header.writeUInt32LE(crc, 16);
    header.writeUInt32LE(data.length, 20);
    header.writeUInt32LE(data.length, 24);
    header.writeUInt16LE(nameBytes.length, 28);
    header.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, data);
    central.push(header, nameBytes);
    offset += 30 + nameBytes.length + data.length;
  }
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** Pickle opcode writers (protocol 2, as torch.save emits). */
export const P = {
  proto: Buffer.from([0x80, 2]),
  stop: Buffer.from('.'),
  mark: Buffer.from('('),
  tuple: Buffer.from('t'),
  emptyDict: Buffer.from('}'),
  emptyTuple: Buffer.from(')'),
  setItems: Buffer.from('u'),
  reduce: Buffer.from('R'),
  persid: Buffer.from('Q'),
  newFalse: Buffer.from([0x89]),
  global: (module: string, name: string) => Buffer.from(`c${module}\n${name}\n`, 'latin1'),
  string: (text: string) => {
    const bytes = Buffer.from(text, 'utf8');
    const head = Buffer.alloc(5);
    head.write('X', 0, 'latin1');
    head.writeUInt32LE(bytes.length, 1);
    return Buffer.concat([head, bytes]);
  },
  int: (value: number) => {
    const bytes = Buffer.alloc(5);
    bytes.write('J', 0, 'latin1');
    bytes.writeInt32LE(value, 1);
    return bytes;
  },
  long: (value: bigint) => {
    const bytes = Buffer.alloc(10);
    bytes[0] = 0x8a;
    bytes[1] = 8;
    bytes.writeBigInt64LE(value, 2);
    return bytes;
  },
  ints: (values: (number | bigint)[]) => Buffer.concat([Buffer.from('('),
    ...values.map((v) => typeof v === 'bigint' ? P.long(v) : P.int(v)), Buffer.from('t')]),
};

export interface CraftedTensor {
  name: string;
  storageType?: string; // FloatStorage
  key: string;
  storageElements: number; // what the persistent id claims
  offset?: number | bigint;
  sizes: (number | bigint)[];
  strides: (number | bigint)[];
}

/** The pickle of a dict name -> _rebuild_tensor_v2(...) entries. */
export function tensorDictPickle(tensors: CraftedTensor[]): Buffer {
  const parts: Buffer[] = [P.proto, P.emptyDict, P.mark];
  for (const t of tensors) {
    parts.push(P.string(t.name), P.global('torch._utils', '_rebuild_tensor_v2'), P.mark,
      P.mark, P.string('storage'), P.global('torch', t.storageType ?? 'FloatStorage'), P.string(t.key), P.string('cpu'),
      P.int(t.storageElements), P.tuple, P.persid,
      typeof t.offset === 'bigint' ? P.long(t.offset) : P.int(t.offset ?? 0), P.ints(t.sizes), P.ints(t.strides), P.newFalse,
      P.global('collections', 'OrderedDict'), P.emptyTuple, P.reduce, P.tuple, P.reduce);
  }
  parts.push(P.setItems, P.stop);
  return Buffer.concat(parts);
}

/** A .pt archive of a pickle and data records (key -> bytes). */
export function ptArchive(pickle: Buffer, records: Record<string, Buffer>): Buffer {
  return zipStored([
    ['archive/data.pkl', pickle],
    ...Object.entries(records).map(([key, data]): [string, Buffer] => [`archive/data/${key}`, data]),
    ['archive/version', Buffer.from('3\n')],
  ]);
}

/** Float32 bytes of 0, 1, 2, … (count values). */
export function float32Counting(count: number): Buffer {
  return Buffer.from(Float32Array.from({ length: count }, (_, i) => i).buffer);
}
