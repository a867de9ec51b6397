// safetensors and .pt: exact roundtrips of every dtype, files Python's torch reads and writes, clear errors
// for corrupt files.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import * as T from '../../src/torch/index.js';
import { hasPyTorch, noPyTorch, runReference, temporaryDirectory } from '../helpers/pytorch.js';

const skip = hasPyTorch() ? false : noPyTorch;
const temporary = temporaryDirectory('serialize');
after(() => temporary.remove());

/** One tensor of every dtype with awkward values, plus a non-contiguous view, a 0-d and an empty tensor. */
function everyDtype(): Record<string, T.Tensor> {
  return {
    float64: T.tensor(Float64Array.from([-1.5, 0, 2.25, 1e300, -1e-300, Math.PI]), [2, 3]),
    float32: T.tensor(Float32Array.from([-1.5, 0, 3.4e38, 1e-30])),
    float16: T.tensor([0.5, -2, 1024, 2 ** -14], undefined, { dtype: 'float16' }),
    int64: T.tensor(BigInt64Array.from([-(2n ** 52n), 0n, 2n ** 52n + 1n, 7n])),
    int32: T.tensor(Int32Array.from([-(2 ** 31), 0, 2 ** 31 - 1])),
    int16: T.tensor(Int16Array.from([-32768, 1, 32767])),
    int8: T.tensor(Int8Array.from([-128, -1, 127])),
    uint8: T.tensor(Uint8Array.from([0, 128, 255])),
    bool: T.tensor([1, 0, 0, 1], undefined, { dtype: 'bool' }),
    transposed: T.arange(6, undefined, 1, { dtype: 'float64' }).reshape([2, 3]).transpose(0, 1),
    scalar: T.tensor(2.5, undefined, { dtype: 'float64' }),
    empty: T.zeros([0, 3]),
  };
}

function assertSameTensor(actual: T.Tensor, expected: T.Tensor, what: string): void {
  assert.equal(actual.dtype, expected.dtype, `${what}: dtype`);
  assert.deepEqual(actual.shape, expected.shape, `${what}: shape`);
  assert.deepEqual(Buffer.from(actual.data().buffer), Buffer.from(expected.data().buffer), `${what}: bytes`);
}

test('safetensors roundtrip keeps every dtype, shape and bit exactly, and the metadata', () => {
  T.tidy(() => {
    const tensors = everyDtype();
    const file = path.join(temporary.dir, 'all.safetensors');
    T.saveSafetensors(file, tensors, { format: 'pt', note: 'ünïcode' });
    const { tensors: loaded, metadata } = T.loadSafetensors(file);
    assert.deepEqual(metadata, { format: 'pt', note: 'ünïcode' });
    assert.deepEqual(Object.keys(loaded).sort(), Object.keys(tensors).sort());
    for (const name of Object.keys(tensors)) assertSameTensor(loaded[name], tensors[name], name);
    assert.deepEqual(loaded.float16.toArray(), [0.5, -2, 1024, 2 ** -14]);
    assert.equal(fs.readFileSync(file).readBigUInt64LE(0) % 8n, 0n, 'data starts 8-byte aligned');
  });
});

test('.pt roundtrip through our own writer and reader keeps every dtype exactly', () => {
  T.tidy(() => {
    const tensors = everyDtype();
    const file = path.join(temporary.dir, 'all.pt');
    T.savePt(file, tensors);
    const loaded = T.loadPt(file);
    for (const name of Object.keys(tensors)) assertSameTensor(loaded[name], tensors[name], name);
  });
});

test('Python reads our .pt (torch.load) and our safetensors; we read the .pt torch.save writes', { skip }, () => {
  T.tidy(() => {
    const tensors = everyDtype();
    const ours = path.join(temporary.dir, 'ours.pt');
    const oursSafetensors = path.join(temporary.dir, 'ours.safetensors');
    const theirs = path.join(temporary.dir, 'theirs.pt');
    const list = path.join(temporary.dir, 'list.pt');
    T.savePt(ours, tensors);
    T.saveSafetensors(oursSafetensors, tensors, { written: 'by sketchprune' });
    const report = JSON.parse(runReference('engine.py', ['interop', ours, oursSafetensors, theirs, list])) as Record<string,
      Record<string, { dtype: string; shape: number[]; values: number[] }>>;
    for (const format of ['pt', 'safetensors']) {
      assert.deepEqual(Object.keys(report[format]).sort(), Object.keys(tensors).sort(), format);
      for (const [name, tensor] of Object.entries(tensors)) {
        const seen = report[format][name];
        assert.equal(seen.dtype, tensor.dtype, `${format} ${name} dtype`);
        assert.deepEqual(seen.shape, tensor.shape, `${format} ${name} shape`);
        assert.deepEqual(seen.values, tensor.contiguous().toArray(), `${format} ${name} values`);
      }
    }
    assert.deepEqual(report.metadata, { written: 'by sketchprune', [T.CHECKSUM_KEY]: report.metadata[T.CHECKSUM_KEY] });
    assert.match(String(report.metadata[T.CHECKSUM_KEY]), /^[0-9a-f]{64}$/, 'our files carry a SHA-256 that other readers ignore');

    const loaded = T.loadPt(theirs);
    const base = Array.from({ length: 12 }, (_, i) => i - 5.5);
    assert.deepEqual(loaded.float64.toArray(), base);
    assert.deepEqual(loaded.float32.toArray(), base);
    assert.deepEqual(loaded.float16.toArray(), base);
    assert.equal(loaded.float16.dtype, 'float16');
    assert.deepEqual(Array.from(loaded.int64.data() as BigInt64Array), Array.from({ length: 12 }, (_, i) => BigInt(i - 3) * 1000000007n));
    for (const name of ['int32', 'int16', 'int8']) {
      assert.equal(loaded[name].dtype, name);
      assert.deepEqual(loaded[name].toArray(), Array.from({ length: 12 }, (_, i) => i - 3));
    }
    assert.deepEqual(loaded.uint8.toArray(), [250, 251, 252, 253, 254, 255]);
    assert.equal(loaded.bool.dtype, 'bool');
    assert.deepEqual(loaded.bool.toArray(), [1, 0, 1]);
    assert.deepEqual(loaded.transposed.shape, [4, 3]);
    assert.deepEqual(loaded.transposed.contiguous().toArray(), [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11].map((i) => i - 5.5));
    assert.deepEqual(loaded.scalar.shape, []);
    assert.equal(loaded.scalar.item(), 2.5);
    assert.deepEqual(loaded.empty.shape, [0, 3]);
    assert.throws(() => T.loadPt(list), /does not hold a dict of tensors/);
  });
});

/** A valid one-tensor safetensors file with the header replaced by `header` (and `data` as its data). */
function safetensorsWith(header: unknown, data = Buffer.alloc(8)): Buffer {
  const json = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header));
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([prefix, json, data]);
}

test('corrupt safetensors give errors that name the source and the problem', () => {
  const entry = { dtype: 'F32', shape: [2], data_offsets: [0, 8] };
  const cases: [Buffer, RegExp][] = [
    [Buffer.from([1, 2, 3, 4, 5]), /^x\.safetensors: too short for a safetensors file \(5 bytes\)$/],
    [Buffer.concat([Buffer.from([0xe8, 3, 0, 0, 0, 0, 0, 0]), Buffer.alloc(20)]), /header length 1000 exceeds the file/],
    [safetensorsWith('{"a": '), /header is not valid JSON/],
    [safetensorsWith([1, 2]), /header is not a JSON object/],
    [safetensorsWith({ w: { ...entry, dtype: 'C64' } }), /tensor 'w' has unsupported dtype C64/],
    [safetensorsWith({ w: { ...entry, data_offsets: [0, 16] } }), /tensor 'w' data \[0, 16\) lies outside the file \(8 data bytes\)/],
    [safetensorsWith({ w: { ...entry, shape: [3] } }), /tensor 'w' has 8 bytes, but shape \[3\] of float32 needs 12/],
    [safetensorsWith({ w: { dtype: 'F32', data_offsets: [0, 8] } }), /tensor 'w' has a malformed entry/],
    [safetensorsWith({ w: { ...entry, shape: [-2] } }), /tensor 'w' has a malformed entry/],
    [safetensorsWith({ w: null }), /tensor 'w' has a malformed entry/],
  ];
  const before = T.memoryStats().tensors;
  for (const [bytes, message] of cases) {
    assert.throws(() => T.decodeSafetensors(bytes, 'x.safetensors'), (error: Error) => {
      assert.match(error.message, message);
      assert.match(error.message, /^x\.safetensors: /);
      return true;
    });
  }
  assert.equal(T.memoryStats().tensors, before, 'a failed decode leaves no tensors behind');
  // A file truncated on disk, and a missing file.
  const file = path.join(temporary.dir, 'truncated.safetensors');
  T.tidy(() => T.saveSafetensors(file, { w: T.ones([4]) }));
  fs.truncateSync(file, fs.statSync(file).size - 3);
  assert.throws(() => T.loadSafetensors(file), (error: Error) =>
    error.message === `${file}: tensor 'w' data [0, 16) lies outside the file (13 data bytes)`);
  assert.throws(() => T.loadSafetensors(path.join(temporary.dir, 'nope.safetensors')), /nope\.safetensors: no such file/);
});

test('corrupt .pt files give Errors, never a crash', () => {
  const good = path.join(temporary.dir, 'good.pt');
  T.tidy(() => T.savePt(good, { w: T.ones([64]) }));
  const bytes = fs.readFileSync(good);
  const variants: [string, Buffer][] = [
    ['random bytes', Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 7919) % 251))],
    ['empty', Buffer.alloc(0)],
    ['truncated to half', bytes.subarray(0, bytes.length >> 1)],
    ['truncated by 10 bytes', bytes.subarray(0, bytes.length - 10)],
  ];
  for (const [name, content] of variants) {
    const file = path.join(temporary.dir, `bad-${name.replace(/ /g, '-')}.pt`);
    fs.writeFileSync(file, content);
    assert.throws(() => T.loadPt(file), (error: Error) => error instanceof Error && /loadPt/.test(error.message), name);
  }
});
