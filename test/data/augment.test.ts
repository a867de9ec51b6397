import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cropFlip, drawCropFlip, normalize, type CropFlipChoice } from '../../src/data/augment.js';
import { Rng } from '../../src/data/prng.js';
import { tensor, tidy } from '../../src/torch/index.js';
import { pseudoBytes } from './fixtures.js';
import { chiSquareQuantile, uniformChiSquare } from './statistics.js';

/** The definition, pixel by pixel: pad with zeros, take the window at the offsets, mirror when chosen. */
function reference(pixels: Uint8Array, shape: number[], choice: CropFlipChoice, padding: number): number[] {
  const [batch, channels, height, width] = shape;
  const out: number[] = [];
  for (let b = 0; b < batch; b++) {
    for (let c = 0; c < channels; c++) {
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const sourceX = (choice.flip[b] ? width - 1 - x : x) + choice.offsetX[b] - padding;
          const sourceY = y + choice.offsetY[b] - padding;
          const inside = sourceY >= 0 && sourceY < height && sourceX >= 0 && sourceX < width;
          out.push(inside ? pixels[((b * channels + c) * height + sourceY) * width + sourceX] : 0);
        }
      }
    }
  }
  return out;
}

test('crop and flip equal the padded-window definition for random choices', () => {
  const shape = [16, 3, 7, 5];
  const pixels = pseudoBytes(16 * 3 * 7 * 5, 3).map((value) => value | 1); // no zeros, so padding is visible
  const choice = drawCropFlip(new Rng(9), 16, 4);
  const actual = tidy(() => cropFlip(tensor(pixels, shape), choice, 4).toArray());
  assert.deepEqual(actual, reference(pixels, shape, choice, 4));
});

test('centre offset without flip is the identity; a corner offset shifts the image and fills zeros; flip mirrors', () => {
  const size = 6;
  const pixels = Uint8Array.from({ length: size * size }, (_, i) => i + 1);
  const image = (choice: Partial<CropFlipChoice>) => tidy(() => cropFlip(tensor(pixels, [1, 1, size, size]), {
    offsetY: Int32Array.of(4), offsetX: Int32Array.of(4), flip: Uint8Array.of(0), ...choice,
  }, 4).toArray());
  assert.deepEqual(image({}), Array.from(pixels));
  // offset (0, 0) of the padded image: content moves 4 down and 4 right
  const shifted = image({ offsetY: Int32Array.of(0), offsetX: Int32Array.of(0) });
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      assert.equal(shifted[y * size + x], y >= 4 && x >= 4 ? pixels[(y - 4) * size + (x - 4)] : 0);
    }
  }
  const mirrored = image({ flip: Uint8Array.of(1) });
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) assert.equal(mirrored[y * size + x], pixels[y * size + (size - 1 - x)]);
  // float input works the same way
  const floats = tidy(() => cropFlip(tensor(Float32Array.from(pixels), [1, 1, size, size]), {
    offsetY: Int32Array.of(8), offsetX: Int32Array.of(1), flip: Uint8Array.of(1),
  }, 4).toArray());
  assert.deepEqual(floats, reference(pixels, [1, 1, size, size], { offsetY: Int32Array.of(8), offsetX: Int32Array.of(1), flip: Uint8Array.of(1) }, 4));
});

test('offsets are uniform on 0..2·padding and flips happen half the time', () => {
  const choice = drawCropFlip(new Rng(1), 9000, 4);
  const counts = new Array<number>(9).fill(0);
  for (const offset of choice.offsetY) counts[offset]++;
  assert.ok(uniformChiSquare(counts) < chiSquareQuantile(8));
  const flips = choice.flip.reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(flips - 4500) < 5 * Math.sqrt(9000 / 4), `flips ${flips}`);
  assert.ok(drawCropFlip(new Rng(1), 100, 4, false).flip.every((value) => value === 0));
});

test('normalize computes (pixel/255 − mean_c)/std_c in float32', () => {
  const pixels = Uint8Array.of(0, 128, 255, 7, 0, 128, 255, 7);
  const mean = [0.5, 0.25];
  const std = [0.2, 0.4];
  const actual = tidy(() => normalize(tensor(pixels, [1, 2, 2, 2]), mean, std));
  assert.equal(actual.dtype, 'float32');
  const values = actual.toArray();
  pixels.forEach((pixel, i) => {
    const c = Math.floor(i / 4);
    assert.ok(Math.abs(values[i] - (pixel / 255 - mean[c]) / std[c]) < 1e-6);
  });
  actual.dispose();
  assert.throws(() => tidy(() => normalize(tensor(pixels, [1, 2, 2, 2]), [0.5], [0.2])), /need 2 values, got 1 and 1/);
});
