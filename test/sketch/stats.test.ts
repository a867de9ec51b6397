import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bonferroniZ, meanWithCI, normalQuantile, withinCI } from '../../src/sketch/index.js';

test('meanWithCI: mean, Bessel sd, se and mean ± z·se', () => {
  const estimate = meanWithCI([1, 2, 3, 4], 2);
  assert.equal(estimate.mean, 2.5);
  assert.ok(Math.abs(estimate.sd - Math.sqrt(5 / 3)) < 1e-15);
  assert.ok(Math.abs(estimate.se - Math.sqrt(5 / 3) / 2) < 1e-15);
  assert.ok(Math.abs(estimate.ciHigh - (2.5 + Math.sqrt(5 / 3))) < 1e-15);
  assert.ok(withinCI(estimate, 3.5) && !withinCI(estimate, 4));
  assert.throws(() => meanWithCI([1]), /at least 2 samples/);
});

test('normalQuantile matches tabulated values', () => {
  for (const [p, z] of [[0.975, 1.959963984540054], [0.5, 0], [0.995, 2.5758293035489], [1e-6, -4.753424308822899]]) {
    assert.ok(Math.abs(normalQuantile(p) - z) < 1e-8, `Φ⁻¹(${p})`);
  }
  assert.ok(Math.abs(bonferroniZ(1, 0.05) - 1.959963984540054) < 1e-8);
  assert.ok(bonferroniZ(100, 0.01) > bonferroniZ(10, 0.01));
});
