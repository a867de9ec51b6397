// Gradient buckets, as in PyTorch's DistributedDataParallel: tensors are packed, in reverse order (the order in
// which backward produces gradients), into flat buckets of one dtype and device of at most `capBytes` each, so
// the all-reduce runs over a few large messages instead of one per tensor.

export interface BucketItem {
  numel: number;
  /** Bytes per element. */
  elementBytes: number;
  /** Tensors share a bucket only when their keys (dtype and device) are equal. */
  key: string;
}

/** DDP's default bucket size. */
export const DEFAULT_BUCKET_BYTES = 25 * 1024 * 1024;

/**
 * Indices of `items` grouped into buckets: reverse item order, one key per bucket, a bucket closed when the
 * next item would take it over `capBytes` (an item larger than the cap gets a bucket of its own). Every index
 * appears exactly once.
 */
export function planBuckets(items: readonly BucketItem[], capBytes = DEFAULT_BUCKET_BYTES): number[][] {
  if (!(capBytes > 0)) throw new RangeError(`planBuckets: capBytes must be positive, got ${capBytes}`);
  const open = new Map<string, { indices: number[]; bytes: number }>();
  const buckets: number[][] = [];
  for (let index = items.length - 1; index >= 0; index--) {
    const item = items[index];
    const bytes = item.numel * item.elementBytes;
    let bucket = open.get(item.key);
    if (bucket && bucket.bytes + bytes > capBytes && bucket.indices.length > 0) {
      buckets.push(bucket.indices);
      bucket = undefined;
    }
    if (!bucket) {
      bucket = { indices: [], bytes: 0 };
      open.set(item.key, bucket);
    }
    bucket.indices.push(index);
    bucket.bytes += bytes;
  }
  for (const bucket of open.values()) if (bucket.indices.length > 0) buckets.push(bucket.indices);
  return buckets;
}
