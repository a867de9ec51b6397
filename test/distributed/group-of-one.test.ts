// The c10d binding in one process (a group of one over a FileStore): the plumbing of broadcast, all-reduce and
// the step reduction, whose results a single rank knows in closed form. Several ranks: test/e2e/distributed.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DataParallel } from '../../src/distributed/index.js';
import { collectives, tensor, tidy } from '../../src/torch/index.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sketchprune-c10d-'));
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));

test('a group of one: numbers, agreement, step reduction and errors', () => {
  assert.equal(collectives.collectivesAvailable(), true);
  assert.throws(() => collectives.allReduce_([]), /no process group \(call distInit first\)/);
  const group = DataParallel.init({ rank: 0, worldSize: 1, localRank: 0, store: { kind: 'file', path: path.join(dir, 'store') }, timeoutMs: 10_000 },
    { bucketBytes: 16 });
  assert.equal(group.isWriter, true);
  assert.deepEqual(group.allReduceNumbers([1.5, -2, 1e300]), [1.5, -2, 1e300]);
  assert.deepEqual(group.allReduceNumbers([3, 4], 'max'), [3, 4]);
  group.agree('a number', 7);
  group.barrier();
  tidy(() => {
    const weight = tensor([1, 2, 3, 4, 5, 6], [2, 3]).requiresGrad_();
    const bias = tensor([0.5, -0.5], [2]).requiresGrad_();
    const loss = weight.square().sum().add(bias.mul(3).sum());
    loss.backward();
    weight.grad!.mul_(1); // grad = 2w; bias has none cleared below
    bias.grad = null;
    const buffer = tensor([0.25, 0.75], [2]);
    const counter = tensor([5], [1]).long();
    const totals = group.reduceStep([weight, bias], [buffer, counter], { lossSum: 12, correct: 3, examples: 4, stop: false });
    assert.deepEqual(totals, { lossSum: 12, correct: 3, examples: 4, stop: false });
    assert.deepEqual(weight.grad!.toArray(), [2, 4, 6, 8, 10, 12]); // (4·g)/4 over several 16-byte buckets
    assert.deepEqual(bias.grad!.toArray(), [0, 0], 'a missing gradient counts as zero');
    assert.deepEqual(buffer.toArray(), [0.25, 0.75]);
    assert.deepEqual(counter.toArray(), [5]);
    const moved = tensor([9, 8, 7, 6], [2, 2]).transpose(0, 1); // non-contiguous: broadcast through a copy
    group.broadcastFromRankZero([moved, buffer]);
    assert.deepEqual(moved.toArray(), [9, 7, 8, 6]);
    assert.throws(() => group.reduceStep([weight], [], { lossSum: 0, correct: 0, examples: 0, stop: false }), /the global batch has no examples/);
    assert.throws(() => collectives.allReduce_([moved], 'sum'), /not contiguous/);
    assert.throws(() => collectives.allReduce_([buffer], 'mean' as 'sum'), /op must be 'sum', 'max' or 'min'/);
  });
  assert.throws(() => DataParallel.init({ rank: 0, worldSize: 1, localRank: 0, store: { kind: 'file', path: path.join(dir, 'other') }, timeoutMs: 1000 }),
    /a process group already exists/);
  group.destroy();
  assert.throws(() => group.barrier(), /the process group was destroyed/);
});
