// Per-channel mean and standard deviation of a dataset's pixels (scaled to [0, 1]), computed exactly from
// integer sums in float64 and cached as a small JSON file so that a run does not rescan the training set.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { tidy } from '../torch/index.js';
import { writeFileAtomic } from '../foundations/atomic.js';
import type { ImageDataset } from './dataset.js';

export interface ChannelStats {
  /** Per-channel mean of pixel/255. */
  mean: number[];
  /** Per-channel population standard deviation of pixel/255. */
  std: number[];
}

/**
 * Mean and population std per channel over all images and positions. Sums of pixel values and of their
 * squares are integers below 2^53 for any realistic dataset, so float64 accumulates them exactly.
 */
export function computeChannelStats(dataset: ImageDataset, chunk = 4096): ChannelStats {
  const [channels, height, width] = dataset.imageShape;
  const sums = new Float64Array(channels);
  const squares = new Float64Array(channels);
  for (let start = 0; start < dataset.length; start += chunk) {
    const length = Math.min(chunk, dataset.length - start);
    const [partSums, partSquares] = tidy(() => {
      const values = dataset.images.narrow(0, start, length).to('float64');
      return [values.sum([0, 2, 3]).toArray(), values.square().sum([0, 2, 3]).toArray()];
    });
    for (let c = 0; c < channels; c++) { sums[c] += partSums[c]; squares[c] += partSquares[c]; }
  }
  const perChannel = dataset.length * height * width;
  const mean: number[] = [];
  const std: number[] = [];
  for (let c = 0; c < channels; c++) {
    const average = sums[c] / perChannel;
    const variance = Math.max(0, squares[c] / perChannel - average * average);
    mean.push(average / 255);
    std.push(Math.sqrt(variance) / 255);
  }
  return { mean, std };
}

interface CachedStats extends ChannelStats {
  dataset: string;
  source: string;
  count: number;
  fingerprint: string;
}

/** Identifies the data the statistics came from: name, source, size and the source files' sizes and dates. */
function fingerprintOf(dataset: ImageDataset): string {
  const hash = crypto.createHash('sha256');
  hash.update(`${dataset.name}\n${dataset.info.source}\n${dataset.length}\n${dataset.imageShape}\n`);
  try {
    const stat = fs.statSync(dataset.info.source);
    hash.update(`${stat.size}:${stat.mtimeMs}`);
  } catch { /* a source that is not a file (in-memory data) is identified by name and size alone */ }
  return hash.digest('hex').slice(0, 16);
}

/**
 * The dataset's channel statistics, read from `<cacheDir>/stats/<name>-<fingerprint>.json` when present and
 * matching, else computed and written there. A damaged cache file is recomputed and replaced.
 */
export function channelStats(dataset: ImageDataset, cacheDirectory: string | null): ChannelStats {
  if (cacheDirectory === null) return computeChannelStats(dataset);
  const fingerprint = fingerprintOf(dataset);
  const file = path.join(cacheDirectory, 'stats', `${dataset.name}-${fingerprint}.json`);
  try {
    const cached = JSON.parse(fs.readFileSync(file, 'utf8')) as CachedStats;
    const channels = dataset.imageShape[0];
    if (cached.fingerprint === fingerprint && cached.count === dataset.length &&
      cached.mean?.length === channels && cached.std?.length === channels) {
      return { mean: cached.mean, std: cached.std };
    }
  } catch { /* missing or unreadable: compute below */ }
  const stats = computeChannelStats(dataset);
  const record: CachedStats = { dataset: dataset.name, source: dataset.info.source, count: dataset.length, fingerprint, ...stats };
  try {
    writeFileAtomic(file, JSON.stringify(record, null, 2) + '\n');
  } catch { /* a read-only cache only costs time */ }
  return stats;
}
