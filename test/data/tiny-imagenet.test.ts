import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import jpeg from 'jpeg-js';
import { listTinyImageNet, readTinyImageNet } from '../../src/data/tiny-imagenet.js';
import { loadDataset } from '../../src/data/registry.js';
import { encodeJpeg, removeDir, smoothImage, tempDir, writeTinyImageNetDir } from './fixtures.js';
import { assertFileError } from './helpers.js';

const root = tempDir();
after(() => removeDir(root));

/** [3, 64, 64] planes of a JPEG file, decoded here independently of the reader. */
function planesOf(file: string): number[] {
  const { data } = jpeg.decode(fs.readFileSync(file), { useTArray: true, formatAsRGBA: true });
  const planes: number[] = [];
  for (let c = 0; c < 3; c++) for (let p = 0; p < 64 * 64; p++) planes.push(data[4 * p + c]);
  return planes;
}

test('train and val splits decode every JPEG into [N,3,64,64] with labels from the folder and the annotations', () => {
  const fixture = writeTinyImageNetDir(path.join(root, 'ok'));
  const train = readTinyImageNet(fixture.dir, 'train', { strictCounts: false });
  assert.deepEqual(train.images.shape, [6, 3, 64, 64]);
  assert.deepEqual(train.labels.toArray(), fixture.train.map((entry) => entry.label));
  assert.deepEqual(train.images.toArray(), fixture.train.flatMap((entry) => planesOf(entry.file)));
  assert.equal(train.info.classNames?.[1], 'class number 1');
  // JPEG at quality 95 stays close to the smooth original
  const original = smoothImage(64, 1);
  const first = train.images.select(0, 0).toArray();
  let worst = 0;
  for (let c = 0; c < 3; c++) for (let p = 0; p < 4096; p++) worst = Math.max(worst, Math.abs(first[c * 4096 + p] - original[4 * p + c]));
  assert.ok(worst <= 12, `largest JPEG error ${worst}`);
  const val = loadDataset('tiny-imagenet', 'test', { dir: fixture.dir, allowSubset: true, env: {} });
  assert.deepEqual(val.labels.toArray(), fixture.val.map((entry) => entry.label));
  assert.deepEqual(val.images.toArray(), fixture.val.flatMap((entry) => planesOf(entry.file)));
  assert.equal(val.numClasses, 3);
  train.dispose();
  val.dispose();
});

test('a grayscale JPEG gives three equal channels', () => {
  const fixture = writeTinyImageNetDir(path.join(root, 'gray'), ['n1'], 1, 1);
  // jpeg-js writes colour JPEGs; a grey image (R=G=B) decodes to equal planes up to rounding
  const grey = new Uint8Array(64 * 64 * 4).map((_, i) => (i % 4 === 3 ? 255 : Math.floor(i / 4) % 200));
  fs.writeFileSync(fixture.train[0].file, encodeJpeg(grey, 64));
  const data = readTinyImageNet(fixture.dir, 'train', { strictCounts: false });
  const values = data.images.toArray();
  let worst = 0;
  for (let p = 0; p < 4096; p++) worst = Math.max(worst, Math.abs(values[p] - values[4096 + p]), Math.abs(values[p] - values[8192 + p]));
  assert.ok(worst <= 2, `channels differ by ${worst}`);
  data.dispose();
});

test('bad and truncated JPEGs are errors naming the file', () => {
  const fixture = writeTinyImageNetDir(path.join(root, 'bad'));
  const target = fixture.train[3].file;
  fs.writeFileSync(target, Buffer.from('this is not a jpeg at all'));
  assertFileError(() => readTinyImageNet(fixture.dir, 'train', { strictCounts: false }), target, /^bad JPEG \(/);
  const bytes = encodeJpeg(smoothImage(64, 3), 64);
  fs.writeFileSync(target, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
  assertFileError(() => readTinyImageNet(fixture.dir, 'train', { strictCounts: false }), target, /^bad JPEG \(/);
});

test('an image that is not 64×64 is a wrong size', () => {
  const fixture = writeTinyImageNetDir(path.join(root, 'size'));
  const target = fixture.val[2].file;
  fs.writeFileSync(target, encodeJpeg(smoothImage(32, 1), 32));
  assertFileError(() => readTinyImageNet(fixture.dir, 'test', { strictCounts: false }), target, /wrong image size 32×32, expected 64×64/);
});

test('missing wnids.txt, class folder, val image or annotations are named', () => {
  const fixture = writeTinyImageNetDir(path.join(root, 'missing'));
  fs.rmSync(fixture.val[1].file);
  assertFileError(() => readTinyImageNet(fixture.dir, 'test', { strictCounts: false }), fixture.val[1].file, /^missing file$/);
  const classDir = path.join(fixture.dir, 'train', fixture.wnids[2], 'images');
  fs.rmSync(path.join(fixture.dir, 'train', fixture.wnids[2]), { recursive: true });
  assertFileError(() => listTinyImageNet(fixture.dir, 'train', false), classDir, /^missing directory$/);
  const annotations = path.join(fixture.dir, 'val', 'val_annotations.txt');
  fs.rmSync(annotations);
  assertFileError(() => listTinyImageNet(fixture.dir, 'test', false), annotations, /^missing file$/);
  fs.rmSync(path.join(fixture.dir, 'wnids.txt'));
  assertFileError(() => listTinyImageNet(fixture.dir, 'train', false), path.join(fixture.dir, 'wnids.txt'), /^missing file$/);
});

test('an unknown class id in the annotations is a label out of range; counts are checked by default', () => {
  const fixture = writeTinyImageNetDir(path.join(root, 'unknown'));
  const annotations = path.join(fixture.dir, 'val', 'val_annotations.txt');
  fs.appendFileSync(annotations, 'val_9.JPEG\tn99999999\t0\t0\t1\t1\n');
  assertFileError(() => listTinyImageNet(fixture.dir, 'test', false), annotations, /line 5: class id n99999999 is not in wnids.txt \(label out of range\)/);
  assertFileError(() => listTinyImageNet(fixture.dir, 'train'), path.join(fixture.dir, 'wnids.txt'), /lists 3 classes, Tiny-ImageNet has 200/);
});
