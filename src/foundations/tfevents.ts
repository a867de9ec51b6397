// A small TensorBoard event-file writer (scalars only), so `tensorboard --logdir runs/…` shows training curves.
// No maintained npm package writes event files, so this is the format, written out:
//
//   file      events.out.tfevents.<name>: a sequence of TFRecords
//   TFRecord  uint64 length (little endian) | uint32 masked_crc32c(length bytes) | data | uint32 masked_crc32c(data)
//             masked_crc(x) = ((crc >>> 15) | (crc << 17)) + 0xa282ead8 (mod 2^32), crc = CRC-32C (Castagnoli)
//   data      an Event protobuf (tensorflow/core/util/event.proto):
//               Event   { double wall_time = 1; int64 step = 2; string file_version = 3; Summary summary = 5; }
//               Summary { repeated Value value = 1; }   Value { string tag = 1; float simple_value = 2; }
//   The first record is an Event with file_version "brain.Event:2"; then one Event per (step, scalars).
import fs from 'node:fs';
import path from 'node:path';
import { ensureDirectory } from './directories.js';

// ---- CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), table driven ----

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32c(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = CRC_TABLE[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** TFRecord's masked CRC: rotate right by 15 bits and add a constant (so CRCs of CRCs stay well distributed). */
export function maskedCrc32c(bytes: Uint8Array): number {
  const crc = crc32c(bytes);
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

/** One TFRecord around `data`. */
export function tfRecord(data: Uint8Array): Buffer {
  const header = Buffer.alloc(12);
  header.writeBigUInt64LE(BigInt(data.length), 0);
  header.writeUInt32LE(maskedCrc32c(header.subarray(0, 8)), 8);
  const footer = Buffer.alloc(4);
  footer.writeUInt32LE(maskedCrc32c(data), 0);
  return Buffer.concat([header, data, footer]);
}

// ---- protobuf wire format, just what Event needs ----

function varint(value: number | bigint): number[] {
  let v = BigInt(value);
  if (v < 0n) v += 1n << 64n; // int64: two's complement, 10 bytes
  const out: number[] = [];
  do {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v > 0n ? byte | 0x80 : byte);
  } while (v > 0n);
  return out;
}
const key = (field: number, wireType: number): number[] => varint((field << 3) | wireType);
function bytesField(field: number, bytes: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([...key(field, 2), ...varint(bytes.length)]), bytes]);
}

export interface ScalarEvent {
  /** Seconds since the epoch. */
  wallTime: number;
  step: number;
  /** tag → value, e.g. {'test/accuracy': 0.91}; written as float32 (TensorBoard's simple_value). */
  scalars: Record<string, number>;
}

/** The Event protobuf of a scalar event, or of the file-version header when `fileVersion` is given. */
export function encodeEvent(event: { wallTime: number; step?: number; fileVersion?: string; scalars?: Record<string, number> }): Buffer {
  const parts: Buffer[] = [];
  const wall = Buffer.alloc(9);
  wall[0] = key(1, 1)[0]!;
  wall.writeDoubleLE(event.wallTime, 1);
  parts.push(wall);
  if (event.step !== undefined && event.step !== 0) {
    if (!Number.isSafeInteger(event.step)) throw new RangeError(`event step must be an integer, got ${event.step}`);
    parts.push(Buffer.from([...key(2, 0), ...varint(event.step)]));
  }
  if (event.fileVersion !== undefined) parts.push(bytesField(3, Buffer.from(event.fileVersion, 'utf8')));
  if (event.scalars !== undefined) {
    const values = Object.entries(event.scalars).map(([tag, value]) => {
      const simple = Buffer.alloc(5);
      simple[0] = key(2, 5)[0]!;
      simple.writeFloatLE(value, 1);
      return bytesField(1, Buffer.concat([bytesField(1, Buffer.from(tag, 'utf8')), simple]));
    });
    parts.push(bytesField(5, Buffer.concat(values)));
  }
  return Buffer.concat(parts);
}

/**
 * Appends scalar events to one event file in `dir`. `name` makes the file name (default: time, pid): a fixed
 * name lets a converter rewrite the same file instead of adding one per invocation (`truncate`).
 */
export class EventWriter {
  readonly file: string;
  private fd: number;

  constructor(dir: string, options: { name?: string; truncate?: boolean } = {}) {
    ensureDirectory(dir);
    const name = options.name ?? `${Math.floor(Date.now() / 1000)}.sketchprune.${process.pid}`;
    this.file = path.join(dir, `events.out.tfevents.${name}`);
    const fresh = options.truncate || !fs.existsSync(this.file) || fs.statSync(this.file).size === 0;
    this.fd = fs.openSync(this.file, options.truncate ? 'w' : 'a');
    if (fresh) fs.writeSync(this.fd, tfRecord(encodeEvent({ wallTime: Date.now() / 1000, fileVersion: 'brain.Event:2' })));
  }

  /** One event holding every finite scalar (non-finite values are left out: float NaN plots as a gap anyway). */
  add(event: ScalarEvent): void {
    const scalars = Object.fromEntries(Object.entries(event.scalars).filter(([, v]) => Number.isFinite(v)));
    if (Object.keys(scalars).length === 0) return;
    fs.writeSync(this.fd, tfRecord(encodeEvent({ wallTime: event.wallTime, step: event.step, scalars })));
  }

  close(): void {
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
  }
}
