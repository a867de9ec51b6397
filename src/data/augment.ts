// Batch transforms as tensor ops: random crop with zero padding plus horizontal flip (one gather for the whole
// batch), and normalization to float32. The random choices come from an Rng, so they are reproducible.
import { F, arange, tensor, tidy, where, type Tensor } from '../torch/index.js';
import type { Rng } from './prng.js';

export interface CropFlipChoice {
  /** Top-left corner of each crop in the padded image, in [0, 2·padding]. */
  offsetY: Int32Array;
  offsetX: Int32Array;
  /** 1 where the image is mirrored left-right. */
  flip: Uint8Array;
}

/** Draws each image's crop offsets and flip (flip with probability 1/2; none when `flip` is false). */
export function drawCropFlip(rng: Rng, batchSize: number, padding: number, flip = true): CropFlipChoice {
  const choice: CropFlipChoice = {
    offsetY: new Int32Array(batchSize), offsetX: new Int32Array(batchSize), flip: new Uint8Array(batchSize),
  };
  for (let i = 0; i < batchSize; i++) {
    choice.offsetY[i] = rng.nextInt(2 * padding + 1);
    choice.offsetX[i] = rng.nextInt(2 * padding + 1);
    choice.flip[i] = flip ? rng.nextInt(2) : 0;
  }
  return choice;
}

/**
 * Crops each image of [B, C, H, W] (any dtype) at its offsets from the image padded by `padding` zeros on
 * every side, mirroring it when chosen: out[b, c, y, x] = padded[b, c, y + oy_b, x' + ox_b] with
 * x' = W-1-x for flipped images. Same as torchvision's RandomCrop(H, padding) then RandomHorizontalFlip.
 */
export function cropFlip(images: Tensor, choice: CropFlipChoice, padding: number): Tensor {
  return tidy(() => {
    const [batch, channels, height, width] = images.shape;
    if (choice.offsetY.length !== batch) throw new RangeError(`cropFlip: ${choice.offsetY.length} choices for a batch of ${batch}`);
    const paddedWidth = width + 2 * padding;
    const padded = padding > 0 ? F.pad(images, [padding, padding, padding, padding]) : images;
    const flat = padded.reshape([batch, channels, (height + 2 * padding) * paddedWidth]);
    const offsetY = tensor(choice.offsetY, [batch, 1, 1]).long();
    const offsetX = tensor(choice.offsetX, [batch, 1, 1]).long();
    const flipped = tensor(choice.flip, [batch, 1, 1]).bool();
    const rows = offsetY.add(arange(height).reshape([1, height, 1]));
    const forward = arange(width).reshape([1, 1, width]);
    const columns = offsetX.add(where(flipped, forward.rsub(width - 1), forward));
    const index = rows.mul(paddedWidth).add(columns).reshape([batch, 1, height * width]).expand([batch, channels, height * width]);
    return flat.gather(2, index).reshape([batch, channels, height, width]);
  });
}

/** uint8 pixels → float32 (pixel/255 − mean_c)/std_c, in one multiply and one add. */
export function normalize(images: Tensor, mean: number[], std: number[]): Tensor {
  const channels = images.size(1);
  if (mean.length !== channels || std.length !== channels) {
    throw new RangeError(`normalize: mean and std need ${channels} values, got ${mean.length} and ${std.length}`);
  }
  return tidy(() => {
    const scale = tensor(std.map((s) => 1 / (255 * s)), [1, channels, 1, 1]);
    const shift = tensor(mean.map((m, c) => -m / std[c]), [1, channels, 1, 1]);
    return images.float().mul(scale).add(shift);
  });
}

/** uint8 pixels → float32 pixel/255, without normalization. */
export function toUnitRange(images: Tensor): Tensor {
  return tidy(() => images.float().div(255));
}
