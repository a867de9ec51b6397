// Tensor handles are slot + generation numbers; a slot is retired when its generation reaches the limit, so a
// stale handle never equals a live one (with wrap-around, disposing a stale handle freed a live tensor).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { native, type Handle } from '../../src/torch/native.js';

test('one hot slot driven past the generation limit is retired: no stale handle ever names a live tensor', () => {
  const previous = native.setHandleGenerationLimit(5);
  try {
    const data = Float64Array.from([1, 2, 3]);
    const make = (): Handle => native.fromBuffer(data, 7, [3]);
    const slotOf = (handle: Handle): number => handle % 2 ** 26;
    const disposed: Handle[] = [];
    const first = make();
    native.dispose(first);
    disposed.push(first);
    const retiredBefore = native.handleStats().retired;
    // The LIFO free list hands the same slot back until it is retired.
    for (let i = 0; i < 40; i++) {
      const handle = make();
      native.dispose(handle);
      disposed.push(handle);
    }
    const hot = disposed.filter((handle) => slotOf(handle) === slotOf(first));
    assert.equal(hot.length, 4, 'generations 1..4 of the hot slot, then it is retired (limit 5)');
    assert.ok(native.handleStats().retired - retiredBefore >= 10, 'later slots retire too');
    assert.equal(new Set(disposed).size, disposed.length, 'no handle number was handed out twice');

    const live = make();
    assert.ok(!disposed.includes(live), 'the live handle differs from every stale one');
    for (const stale of disposed) native.dispose(stale); // must not free the live tensor
    assert.deepEqual(Array.from(new Float64Array(native.toBuffer(live))), [1, 2, 3]);
    for (const stale of disposed) assert.throws(() => native.meta(stale), /tensor was disposed/);
    native.dispose(live);
  } finally {
    native.setHandleGenerationLimit(previous);
  }
  assert.throws(() => native.setHandleGenerationLimit(1), /need 2\.\.2\^26/);
});
