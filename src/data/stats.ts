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

export interface StatsKey {
  /** Dataset name (the cache file's prefix). */
  name: string;
  /** Where the data came from, recorded in the cache file for people reading it. */
  source: string;
  /** Changes whenever the data may have changed (see fingerprintFiles). */
  fingerprint: string;
  channels: number;
}

/** A short hash of strings, for cache keys. */
export function fingerprint(...parts: string[]): string {
  return crypto.createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 16);
}

/** Size and modification time of each path (missing paths count too), hashed with the given parts. */
export function fingerprintFiles(parts: string[], files: string[]): string {
  const stamps = files.map((file) => {
    try {
      const stat = fs.statSync(file);
      return `${file}:${stat.size}:${stat.mtimeMs}`;
    } catch {
      return `${file}:missing`;
    }
  });
  return fingerprint(...parts, ...stamps);
}

/**
 * Statistics from `<cacheDir>/stats/<name>-<fingerprint>.json` when present and well formed, else from
 * compute(), then written there (atomically; a read-only cache only costs time). cacheDirectory null: no cache.
 */
export function cachedChannelStats(key: StatsKey, compute: () => ChannelStats & { count: number }, cacheDirectory: string | null): ChannelStats {
  if (cacheDirectory === null) { const { mean, std } = compute(); return { mean, std }; }
  const file = path.join(cacheDirectory, 'stats', `${key.name}-${key.fingerprint}.json`);
  try {
    const cached = JSON.parse(fs.readFileSync(file, 'utf8')) as CachedStats;
    const valid = (values: unknown) => Array.isArray(values) && values.length === key.channels && values.every(Number.isFinite);
    if (cached.fingerprint === key.fingerprint && valid(cached.mean) && valid(cached.std)) return { mean: cached.mean, std: cached.std };
  } catch { /* missing or unreadable: compute below */ }
  const { mean, std, count } = compute();
  const record: CachedStats = { dataset: key.name, source: key.source, count, fingerprint: key.fingerprint, mean, std };
  try {
    writeFileAtomic(file, JSON.stringify(record, null, 2) + '\n');
  } catch { /* a read-only cache only costs time */ }
  return { mean, std };
}

/** The channel statistics of a loaded dataset, cached by its name, source file, size and shape. */
export function channelStats(dataset: ImageDataset, cacheDirectory: string | null): ChannelStats {
  const key: StatsKey = {
    name: dataset.name, source: dataset.info.source, channels: dataset.imageShape[0],
    fingerprint: fingerprintFiles([dataset.name, String(dataset.length), String(dataset.imageShape)], [dataset.info.source]),
  };
  return cachedChannelStats(key, () => ({ ...computeChannelStats(dataset), count: dataset.length }), cacheDirectory);
}
