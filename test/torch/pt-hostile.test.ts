// Crafted and corrupted .pt files: every one is a JavaScript Error naming the problem, never a crash, a heap
// corruption or a tensor that reads past its storage (libtorch's own unpickler did all three).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as T from '../../src/torch/index.js';
import { P, ptArchive, tensorDictPickle, float32Counting, zipStored, type CraftedTensor } from '../helpers/pt-craft.js';

const helpers = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'helpers');
const base: CraftedTensor = { name: 'w', key: '0', storageElements: 4, sizes: [4], strides: [1] };

function archive(tensor: Partial<CraftedTensor>, records: Record<string, Buffer> = { 0: float32Counting(4) }): Buffer {
  return ptArchive(tensorDictPickle([{ ...base, ...tensor }]), records);
}

test('a valid hand-built archive with views, offsets and a 0-d tensor loads the values a strided gather gives', () => {
  T.tidy(() => {
    const file = ptArchive(tensorDictPickle([
      { name: 'v', key: '0', storageElements: 12, offset: 1, sizes: [2, 3], strides: [1, 3] },
      { name: 's', key: '0', storageElements: 12, offset: 11, sizes: [], strides: [] },
      { name: 'e', key: '1', storageElements: 0, sizes: [0, 5], strides: [5, 1] },
    ]), { 0: float32Counting(12), 1: Buffer.alloc(0) });
    const loaded = T.decodePt(file, 'views.pt');
    // v[i][j] = storage[1 + i + 3j]
    assert.deepEqual(loaded.v.toArray(), [1, 4, 7, 2, 5, 8]);
    assert.deepEqual(loaded.s.shape, []);
    assert.equal(loaded.s.item(), 11);
    assert.deepEqual(loaded.e.shape, [0, 5]);
  });
});

test('storages shorter than the shape, offsets and strides past the storage are rejected before any tensor exists', () => {
  const before = T.memoryStats().tensors;
  const cases: [string, Buffer, RegExp][] = [
    // The out-of-bounds read: 4 stored values, a shape of ~180,000.
    ['shape longer than storage', archive({ sizes: [180000] }), /reads element 179999 of a storage of 4 elements/],
    ['offset past the end', archive({ offset: 3, sizes: [2] }), /offset 3 reads element 4 of a storage of 4/],
    ['huge stride', archive({ sizes: [2, 2], strides: [1, 2 ** 30] }), /reads element 1073741825 of a storage of 4/],
    ['stride overflow', archive({ sizes: [3], strides: [2n ** 62n] }), /stride\[0\] must be a non-negative integer|reads element/],
    ['negative size', archive({ sizes: [-4] }), /tensor size\[0\] must be a non-negative integer, got -4/],
    ['negative stride', archive({ sizes: [2], strides: [-1], offset: 3 }), /tensor stride\[0\] must be a non-negative integer, got -1/],
    ['negative offset', archive({ offset: -1 }), /storage offset must be a non-negative integer, got -1/],
    ['size overflow', archive({ sizes: [2 ** 31 - 1, 2 ** 31 - 1, 2 ** 31 - 1], strides: [0, 0, 0] }), /overflows/],
    ['sizes and strides differ', archive({ sizes: [2, 2], strides: [1] }), /has 2 sizes but 1 strides/],
    ['storage claims more than its record', archive({ storageElements: 64 }), /storage '0' claims 64 float32 elements but its record holds 16 bytes/],
    ['record missing', archive({ key: '7' }), /storage '7' has no data record/],
    ['wrong storage type', archive({ storageType: 'ComplexDoubleStorage' }), /refused|unsupported storage type/],
  ];
  for (const [name, bytes, reason] of cases) {
    assert.throws(() => T.decodePt(bytes, 'x.pt'), (error: Error) => {
      assert.match(error.message, /^loadPt: x\.pt: /, name);
      assert.match(error.message, reason, name);
      return true;
    }, name);
  }
  assert.equal(T.memoryStats().tensors, before, 'no tensor was built');
});

test('pickles naming code (os.system, builtins.eval, STACK_GLOBAL) or unknown opcodes are refused', () => {
  const call = (module: string, name: string) => Buffer.concat([P.proto, P.global(module, name), P.mark, P.string('touch /tmp/pwned'),
    P.tuple, P.reduce, P.stop]);
  const stackGlobal = Buffer.concat([P.proto, P.string('os'), P.string('system'), Buffer.from([0x93]), P.stop]);
  const cases: [string, Buffer, RegExp][] = [
    ['os.system', call('os', 'system'), /os\.system, which a tensor file never needs \(refused\)/],
    ['posix.system', call('posix', 'system'), /posix\.system.*refused/],
    ['builtins.eval', call('builtins', 'eval'), /builtins\.eval.*refused/],
    ['STACK_GLOBAL', stackGlobal, /os\.system.*refused/],
    ['INST opcode', Buffer.concat([P.proto, Buffer.from('ios\nsystem\n'), P.stop]), /opcode 0x69 at byte 2 is not one torch\.save writes/],
    ['memo never written', Buffer.concat([P.proto, Buffer.from([0x68, 9]), P.stop]), /memo entry 9, which was never written/],
    ['empty stack', Buffer.concat([P.proto, P.reduce, P.stop]), /pops an empty stack/],
    ['truncated pickle', Buffer.concat([P.proto, Buffer.from('X\xff\xff\x00\x00', 'latin1')]), /truncated/],
    ['no STOP', Buffer.concat([P.proto, P.emptyDict]), /truncated/],
    ['a list, not a dict', Buffer.concat([P.proto, Buffer.from(']'), P.stop]), /does not hold a dict of tensors/],
    ['dict of ints', Buffer.concat([P.proto, P.emptyDict, P.string('a'), P.int(3), Buffer.from('s'), P.stop]), /does not hold a dict of tensors/],
  ];
  for (const [name, pickle, reason] of cases) {
    assert.throws(() => T.decodePt(ptArchive(pickle, {}), 'x.pt'), reason, name);
  }
});

test('archive damage: CRC mismatch, truncation, legacy format, no data.pkl', () => {
  const good = archive({});
  const flipped = Buffer.from(good);
  flipped[good.indexOf(float32Counting(4)) + 5] ^= 0x10; // a data byte of storage 0
  const cases: [string, Buffer, RegExp][] = [
    ['flipped data byte', flipped, /zip entry 'archive\/data\/0': CRC-32 mismatch/],
    ['truncated', good.subarray(0, good.length - 30), /end-of-directory|outside|truncated/],
    ['legacy', Buffer.from([0x80, 0x02, 0x8a, 0x0a]), /legacy \(pre-1\.6, non-zip\)/],
    ['empty', Buffer.alloc(0), /too short for a zip archive/],
    ['no data.pkl', zipStored([['archive/version', Buffer.from('3\n')]]), /expected one '<name>\/data\.pkl'/],
  ];
  for (const [name, bytes, reason] of cases) assert.throws(() => T.decodePt(bytes, 'x.pt'), reason, name);
});

test('a corpus of 3,000 mutated .pt files (seeded) loads or throws in a child process: it never crashes', () => {
  const child = spawnSync(process.execPath, [path.join(helpers, 'pt-fuzz.js'), '3000', '20240611'], {
    encoding: 'utf8', timeout: 120_000,
  });
  assert.equal(child.signal, null, `the loader crashed (${child.signal}):\n${child.stderr.slice(-2000)}`);
  assert.equal(child.status, 0, child.stderr.slice(-2000));
  const summary = JSON.parse(child.stdout.trim().split('\n').pop()!) as { total: number; loaded: number; rejected: number; mismatched: number; distinctReasons: number };
  assert.equal(summary.total, 3000);
  assert.equal(summary.loaded + summary.rejected, 3000);
  assert.equal(summary.mismatched, 0, 'every loaded tensor equals the strided gather');
  assert.ok(summary.rejected > 1000 && summary.loaded > 50, `both outcomes exercised: ${JSON.stringify(summary)}`);
  assert.ok(summary.distinctReasons > 20, `many distinct checks fired: ${summary.distinctReasons}`);
});
