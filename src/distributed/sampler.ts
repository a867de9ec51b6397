// The sharded sampler: which examples of each global batch a rank trains on. The global batch `index` of an epoch
// is the same slice of the epoch's order a single process would take with batch size (per-rank size × world
// size); each rank takes a contiguous part of it, the first `size mod worldSize` ranks one example more. So the
// ranks' parts are disjoint, their union is exactly the single-process batch, and rank 0's part is never empty.

export interface RowRange {
  /** First position within the global batch (inclusive). */
  start: number;
  /** End position (exclusive); start === end for an empty part. */
  end: number;
}

/** Rank `rank`'s rows of a global batch of `size` examples split over `worldSize` ranks. */
export function shardRange(size: number, rank: number, worldSize: number): RowRange {
  if (!Number.isInteger(size) || size < 0) throw new RangeError(`shardRange: size must be a non-negative integer, got ${size}`);
  if (!Number.isInteger(worldSize) || worldSize < 1) throw new RangeError(`shardRange: worldSize must be a positive integer, got ${worldSize}`);
  if (!Number.isInteger(rank) || rank < 0 || rank >= worldSize) throw new RangeError(`shardRange: rank must be in [0, ${worldSize}), got ${rank}`);
  const base = Math.floor(size / worldSize);
  const extra = size % worldSize;
  const start = rank * base + Math.min(rank, extra);
  return { start, end: start + base + (rank < extra ? 1 : 0) };
}

/** The examples (positions in the epoch's order) that rank `rank` sees in global batch `index`. */
export function shardPositions(examples: number, globalBatchSize: number, index: number, rank: number, worldSize: number): RowRange {
  const batchStart = index * globalBatchSize;
  const size = Math.max(0, Math.min(globalBatchSize, examples - batchStart));
  const rows = shardRange(size, rank, worldSize);
  return { start: batchStart + rows.start, end: batchStart + rows.end };
}
