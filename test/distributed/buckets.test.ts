import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planBuckets, type BucketItem } from '../../src/distributed/index.js';

const f32 = (numel: number): BucketItem => ({ numel, elementBytes: 4, key: 'float32@cpu' });

test('planBuckets packs tensors in reverse order up to the cap', () => {
  // bytes: 40, 400, 40, 4000, 40 with a cap of 500
  const items = [f32(10), f32(100), f32(10), f32(1000), f32(10)];
  assert.deepEqual(planBuckets(items, 500), [[4], [3], [2, 1, 0]]);
  assert.deepEqual(planBuckets(items, 1e9), [[4, 3, 2, 1, 0]]);
  assert.deepEqual(planBuckets([], 100), []);
});

test('planBuckets keeps dtypes apart, covers every index once and respects the cap (brute force)', () => {
  let seed = 12345;
  const next = () => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed / 2 ** 31; };
  for (let trial = 0; trial < 200; trial++) {
    const count = Math.floor(next() * 12);
    const items: BucketItem[] = Array.from({ length: count }, () => (next() < 0.3
      ? { numel: 1 + Math.floor(next() * 300), elementBytes: 8, key: 'float64@cpu' }
      : f32(1 + Math.floor(next() * 300))));
    const cap = 64 + Math.floor(next() * 1500);
    const buckets = planBuckets(items, cap);
    assert.deepEqual(buckets.flat().sort((a, b) => a - b), Array.from({ length: count }, (_, i) => i));
    for (const bucket of buckets) {
      assert.ok(bucket.length > 0);
      assert.equal(new Set(bucket.map((i) => items[i].key)).size, 1, 'one dtype per bucket');
      const bytes = bucket.reduce((sum, i) => sum + items[i].numel * items[i].elementBytes, 0);
      assert.ok(bucket.length === 1 || bytes <= cap, `bucket of ${bytes} bytes over the cap ${cap}`);
      for (let j = 1; j < bucket.length; j++) assert.ok(bucket[j] < bucket[j - 1], 'reverse order inside a bucket');
    }
    // Greedy: a bucket was closed only because the next item of its dtype did not fit.
    const byKey = new Map<string, number[][]>();
    for (const bucket of buckets) byKey.set(items[bucket[0]].key, [...(byKey.get(items[bucket[0]].key) ?? []), bucket]);
    for (const list of byKey.values()) {
      for (let b = 0; b + 1 < list.length; b++) {
        const bytes = list[b].reduce((sum, i) => sum + items[i].numel * items[i].elementBytes, 0);
        const nextItem = items[list[b + 1][0]];
        assert.ok(bytes + nextItem.numel * nextItem.elementBytes > cap);
      }
    }
  }
  assert.throws(() => planBuckets([f32(1)], 0), /capBytes must be positive/);
});
