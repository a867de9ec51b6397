// setNumThreads pins libtorch's intra-op pool and OpenBLAS's own pool together (results depended on --workers
// because in-process runs left BLAS on every core), and refuses absurd counts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getNumThreads, setNumThreads, threadSettings } from '../../src/torch/index.js';
import { native } from '../../src/torch/native.js';

test('setNumThreads sets intra-op and BLAS threads to the same count; threadSettings reports both', () => {
  const before = getNumThreads();
  try {
    native.setBlasThreads(3); // as if the environment had sized BLAS differently
    setNumThreads(1);
    assert.deepEqual(threadSettings(), { intraOp: 1, blas: 1 });
    setNumThreads(2);
    assert.deepEqual(threadSettings(), { intraOp: 2, blas: 2 });
  } finally {
    setNumThreads(before);
  }
  for (const bad of [0, -1, 1.5, 100000]) assert.throws(() => setNumThreads(bad), /setNumThreads: need an integer from 1 to 1024/);
  assert.throws(() => native.setBlasThreads(0), /setBlasThreads: need 1\.\.4096 threads/);
});
