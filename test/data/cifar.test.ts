import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { cifar10Layout, cifar100Layout, readCifarDataset, readCifarFile } from '../../src/data/cifar.js';
import { loadDataset, probeDatasets } from '../../src/data/registry.js';
import { cifarBytes, makeCifarRecords, removeDir, tempDir, writeCifar100Dir, writeCifar10Dir } from './fixtures.js';
import { assertFileError } from './helpers.js';

const root = tempDir();
after(() => removeDir(root));

const concat = (parts: Uint8Array[]): number[] => parts.flatMap((part) => Array.from(part));

test('CIFAR-10: five train batches and the test batch read back exactly, in file order, as [N,3,32,32]', () => {
  const dir = path.join(root, 'cifar10');
  const fixture = writeCifar10Dir(dir, 3);
  const train = readCifarDataset(dir, 'train', cifar10Layout, true);
  assert.deepEqual(train.images.shape, [15, 3, 32, 32]);
  assert.deepEqual(train.images.toArray(), concat(fixture.train.map((part) => part.pixels)));
  assert.deepEqual(train.labels.toArray(), concat(fixture.train.map((part) => part.labels)));
  assert.equal(train.info.classNames?.[9], 'truck');
  // pixel (c=1, y=2, x=5) of image 4 is byte 1024 + 2*32 + 5 of its record's pixel block
  const [c, y, x] = [1, 2, 5];
  assert.equal(train.images.select(0, 4).select(0, c).select(0, y).select(0, x).item(), fixture.train[1].pixels[3072 + c * 1024 + y * 32 + x]);
  const testSplit = readCifarDataset(dir, 'test', cifar10Layout, true);
  assert.deepEqual(testSplit.labels.toArray(), Array.from(fixture.test.labels));
  train.dispose();
  testSplit.dispose();
});

test('CIFAR-100: fine labels are the labels, coarse labels are kept beside them', () => {
  const dir = path.join(root, 'cifar100');
  const fixture = writeCifar100Dir(dir, { train: 7, test: 4 });
  const train = loadDataset('cifar100', 'train', { dir, allowSubset: true, env: {} });
  assert.deepEqual(train.images.toArray(), Array.from(fixture.train.pixels));
  assert.deepEqual(train.labels.toArray(), Array.from(fixture.train.labels));
  assert.deepEqual(train.coarseLabels?.toArray(), Array.from(fixture.train.coarse!));
  assert.equal(train.numClasses, 100);
  train.dispose();
});

test('a file that is not a whole number of records is a wrong size; an empty file is named as empty', () => {
  const file = path.join(root, 'odd.bin');
  fs.writeFileSync(file, cifarBytes(makeCifarRecords(2, 1, 10)).subarray(0, 3073 * 2 - 100));
  assertFileError(() => readCifarFile(file, cifar10Layout, null), file,
    /wrong size: 6,046 bytes is not a whole number of 3073-byte cifar10 records \(1 records and 2973 bytes left over/);
  // a CIFAR-10 file read as CIFAR-100 (3074-byte records) is caught the same way
  fs.writeFileSync(file, cifarBytes(makeCifarRecords(3, 1, 10)));
  assertFileError(() => readCifarFile(file, cifar100Layout, null), file, /is not a whole number of 3074-byte cifar100 records/);
  fs.writeFileSync(file, Buffer.alloc(0));
  assertFileError(() => readCifarFile(file, cifar10Layout, null), file, /^empty file$/);
});

test('a file cut at a record boundary is caught by the release record count', () => {
  const dir = path.join(root, 'short');
  writeCifar10Dir(dir, 3);
  const file = path.join(dir, 'data_batch_3.bin');
  assertFileError(() => readCifarDataset(dir, 'train', cifar10Layout), path.join(dir, 'data_batch_1.bin'), /holds 3 records, expected 10,000/);
  assertFileError(() => readCifarFile(file, cifar10Layout, 4), file, /holds 3 records, expected 4 \(truncated\?/);
});

test('labels out of range are errors naming file, label and index', () => {
  const file = path.join(root, 'labels.bin');
  const records = makeCifarRecords(3, 1, 10);
  records.labels[2] = 10;
  fs.writeFileSync(file, cifarBytes(records));
  assertFileError(() => readCifarFile(file, cifar10Layout, null), file, /label 10 out of range \[0, 10\) at index 2/);
  const fine = makeCifarRecords(2, 1, 100, true);
  fine.labels[0] = 100;
  fs.writeFileSync(file, cifarBytes(fine));
  assertFileError(() => readCifarFile(file, cifar100Layout, null), file, /label 100 out of range \[0, 100\) at index 0/);
  const coarse = makeCifarRecords(2, 1, 100, true);
  coarse.coarse![1] = 20;
  fs.writeFileSync(file, cifarBytes(coarse));
  assertFileError(() => readCifarFile(file, cifar100Layout, null), file, /label 20 out of range \[0, 20\) at index 1/);
});

test('a missing batch file is named', () => {
  const dir = path.join(root, 'missing');
  writeCifar10Dir(dir, 2);
  fs.rmSync(path.join(dir, 'data_batch_4.bin'));
  assertFileError(() => readCifarDataset(dir, 'train', cifar10Layout, true), path.join(dir, 'data_batch_4.bin'), /^missing file$/);
  const probe = probeDatasets({ env: {}, dirs: { cifar10: dir } }).find((entry) => entry.name === 'cifar10')!;
  assert.equal(probe.counts.test, 2);
  assert.equal(probe.counts.train, undefined);
  assert.match(probe.problems.join('\n'), /data_batch_4.bin: missing file/);
});
