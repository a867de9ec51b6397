// TensorBoard event files: CRC-32C against the iSCSI (RFC 3720) vectors, and the files decoded independently by a
// Python TFRecord + protobuf reader (bitwise CRC, generic wire-format parser) written here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { EventWriter, crc32c, maskedCrc32c } from '../../src/foundations/tfevents.js';
import { METRICS_EVENTS_NAME, writeRunEvents, writeTrainingEvents } from '../../src/report/tensorboard.js';

test('crc32c: RFC 3720 (iSCSI) test vectors and the TFRecord mask', () => {
  const bytes = (f: (i: number) => number) => Uint8Array.from({ length: 32 }, (_, i) => f(i));
  assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
  assert.equal(crc32c(bytes(() => 0)), 0x8a9136aa);
  assert.equal(crc32c(bytes(() => 0xff)), 0x62a8ab43);
  assert.equal(crc32c(bytes((i) => i)), 0x46dd794e);
  assert.equal(crc32c(bytes((i) => 31 - i)), 0x113fdb5c);
  assert.equal(crc32c(new Uint8Array(0)), 0);
  // mask: rotate right 15, add 0xa282ead8; for crc 0xe3069283: rotr = 0x2507c60d, + 0xa282ead8 = 0xc78ab0e5
  assert.equal(maskedCrc32c(Buffer.from('123456789')), 0xc78ab0e5);
});

/** Reads an event file without our code: TFRecord framing with its CRCs, then the Event protobuf. */
const decoder = `
import json, struct, sys
def crc32c(data):
    crc = 0xffffffff
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82f63b78 if crc & 1 else crc >> 1
    return crc ^ 0xffffffff
def masked(data):
    c = crc32c(data)
    return ((((c >> 15) | (c << 17)) & 0xffffffff) + 0xa282ead8) & 0xffffffff
def varint(buf, i):
    shift = result = 0
    while True:
        b = buf[i]; i += 1
        result |= (b & 0x7f) << shift; shift += 7
        if not b & 0x80: return result, i
def fields(buf):
    i, out = 0, []
    while i < len(buf):
        key, i = varint(buf, i)
        num, wire = key >> 3, key & 7
        if wire == 0: v, i = varint(buf, i)
        elif wire == 1: v = buf[i:i+8]; i += 8
        elif wire == 5: v = buf[i:i+4]; i += 4
        elif wire == 2:
            n, i = varint(buf, i); v = buf[i:i+n]; i += n
        else: raise ValueError("wire type %d" % wire)
        out.append((num, wire, v))
    return out
events, data = [], open(sys.argv[1], "rb").read()
i = 0
while i < len(data):
    (length,) = struct.unpack("<Q", data[i:i+8])
    assert struct.unpack("<I", data[i+8:i+12])[0] == masked(data[i:i+8]), "length crc"
    body = data[i+12:i+12+length]
    assert struct.unpack("<I", data[i+12+length:i+16+length])[0] == masked(body), "data crc"
    i += 16 + length
    event = {"step": 0}
    for num, wire, v in fields(body):
        if num == 1: event["wall_time"] = struct.unpack("<d", v)[0]
        elif num == 2: event["step"] = v - (1 << 64) if v >= 1 << 63 else v
        elif num == 3: event["file_version"] = v.decode()
        elif num == 5:
            event["values"] = []
            for n2, w2, value in fields(v):
                tag = simple = None
                for n3, w3, x in fields(value):
                    if n3 == 1: tag = x.decode()
                    if n3 == 2: simple = struct.unpack("<f", x)[0]
                event["values"].append([tag, simple])
    events.append(event)
print(json.dumps(events))
`;

function decode(file: string): { wall_time: number; step: number; file_version?: string; values?: [string, number][] }[] {
  const run = spawnSync('/usr/bin/python3', ['-c', decoder, file], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout);
}

test('EventWriter: records and protobufs decoded by an independent reader', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sp-tb-'));
  const writer = new EventWriter(dir, { name: 'test' });
  writer.add({ wallTime: 1700000000.25, step: 0, scalars: { 'train/loss': Math.LN10, 'test/accuracy': 0.1 } });
  writer.add({ wallTime: 1700000001.5, step: 2 ** 40 + 3, scalars: { 'négatif/λ': -1e-7, skipped: Number.NaN } });
  writer.add({ wallTime: 1700000002, step: 5, scalars: { nan: Number.NaN } }); // nothing finite: no event
  writer.close();
  assert.equal(path.basename(writer.file), 'events.out.tfevents.test');
  const events = decode(writer.file);
  assert.equal(events.length, 3);
  assert.equal(events[0]!.file_version, 'brain.Event:2');
  assert.deepEqual(events[1], { step: 0, wall_time: 1700000000.25, values: [['train/loss', Math.fround(Math.LN10)], ['test/accuracy', Math.fround(0.1)]] });
  assert.deepEqual(events[2], { step: 2 ** 40 + 3, wall_time: 1700000001.5, values: [['négatif/λ', Math.fround(-1e-7)]] });
  // Appending to an existing file adds records without a second header.
  const again = new EventWriter(dir, { name: 'test' });
  again.add({ wallTime: 1700000003, step: 7, scalars: { x: 1 } });
  again.close();
  assert.deepEqual(decode(writer.file).map((e) => e.step), [0, 0, 2 ** 40 + 3, 7]);
});

test('writeRunEvents / writeTrainingEvents: metrics.jsonl as tagged scalars, rewritten (not duplicated) each time', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sp-tb-run-'));
  const metrics = [
    { type: 'step', epoch: 1, batch: 10, step: 10, lr: 0.1, loss: 1.5, top1: 0.5 },
    { type: 'epoch', epoch: 1, step: 20, lr: 0.1, train_loss: 1.2, train_top1: 0.6, seconds: 3, test_loss: 0.9, test_top1: 0.7, test_top5: 0.95, test_examples: 100 },
    { type: 'epoch', epoch: 2, step: 40, lr: 0.01, train_loss: 0.8, train_top1: 0.75, seconds: 4, test_loss: 0.7, test_top1: 0.8 },
  ];
  fs.writeFileSync(path.join(dir, 'config.json'), '{}');
  fs.writeFileSync(path.join(dir, 'metrics.jsonl'), metrics.map((m) => JSON.stringify(m)).join('\n') + '\n');
  const file = writeRunEvents({ dir, metrics })!;
  assert.equal(file, path.join(dir, `events.out.tfevents.${METRICS_EVENTS_NAME}`));
  const events = decode(file).slice(1);
  assert.deepEqual(events.map((e) => e.step), [10, 20, 40]);
  assert.deepEqual(Object.fromEntries(events[1]!.values!), {
    'train/lr': Math.fround(0.1), 'train/loss': Math.fround(1.2), 'train/accuracy': Math.fround(0.6), 'test/loss': Math.fround(0.9),
    'test/accuracy': Math.fround(0.7), 'test/top5': Math.fround(0.95),
  });
  assert.deepEqual(events[0]!.values!.map(([tag]) => tag), ['train/step_lr', 'train/step_loss', 'train/step_accuracy']);
  // wall time advances by each epoch's seconds
  assert.ok(Math.abs(events[2]!.wall_time - events[1]!.wall_time - 4) < 0.01);
  writeTrainingEvents(dir); // the same file again, from metrics.jsonl
  assert.equal(decode(file).length, 4, 'rewritten, not appended');
  assert.equal(writeTrainingEvents(fs.mkdtempSync(path.join(os.tmpdir(), 'sp-tb-empty-'))), undefined);
});
