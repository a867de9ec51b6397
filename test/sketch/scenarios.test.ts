import { test } from 'node:test';
import assert from 'node:assert/strict';
import { manualSeed, tidy } from '../../src/torch/index.js';
import { driftedWeights, gaussianData, gaussianWeights } from '../../src/sketch/index.js';

test('data have N(0, 1/n) entries; sparse w⁰ has the requested non-zeros', () => tidy(() => {
  manualSeed(71);
  const X = gaussianData(400, 50);
  assert.ok(Math.abs(X.square().mean().item() * 50 - 1) < 0.02);
  assert.equal(gaussianWeights(100, 7).countNonzero().item(), 7);
  assert.throws(() => gaussianWeights(10, 11), /nonzeros must be an integer in \[1, 10\], got 11/);
}));

test('drift has the requested relative size and lands on the requested entries', () => tidy(() => {
  manualSeed(72);
  const w0 = gaussianWeights(200);
  const magnitude = w0.abs();
  for (const kind of ['dense', 'smallest', 'largest'] as const) {
    const wStar = driftedWeights(w0, { kind, relativeSize: 0.3 });
    const delta = wStar.sub(w0);
    assert.ok(Math.abs(delta.norm().item() / w0.norm().item() - 0.3) < 1e-12);
    const moved = delta.ne(0);
    if (kind === 'dense') { assert.equal(moved.countNonzero().item(), 200); continue; }
    assert.equal(moved.countNonzero().item(), 10);
    const threshold = magnitude.sort().values.select(0, kind === 'smallest' ? 9 : 190).item();
    const movedMagnitudes = magnitude.maskedSelect(moved).toArray();
    assert.ok(movedMagnitudes.every((value) => (kind === 'smallest' ? value <= threshold : value >= threshold)));
  }
  assert.throws(() => driftedWeights(w0, { kind: 'sideways' as never, relativeSize: 1 }), /drift kind must be dense, smallest or largest/);
}));

test('drift on the smallest |w⁰| skips zeros of w⁰ (they are never sampled, not "small")', () => tidy(() => {
  manualSeed(73);
  const w0 = gaussianWeights(100, 40);
  const moved = driftedWeights(w0, { kind: 'smallest', relativeSize: 0.5, fraction: 0.1 }).sub(w0).ne(0);
  assert.equal(moved.countNonzero().item(), 10);
  assert.ok(w0.maskedSelect(moved).ne(0).all().item());
}));
