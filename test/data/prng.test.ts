import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/data/prng.js';
import { Z, assertMeanNear, chiSquareQuantile, meanOf, uniformChiSquare, varianceOf } from './statistics.js';

test('the same seed and keys give the same stream; other seeds or keys give other streams', () => {
  const draw = (rng: Rng) => Array.from({ length: 8 }, () => rng.nextUint32());
  assert.deepEqual(draw(new Rng(7, 'shuffle', 3)), draw(new Rng(7, 'shuffle', 3)));
  const base = draw(new Rng(7, 'shuffle', 3));
  for (const other of [new Rng(8, 'shuffle', 3), new Rng(7, 'augment', 3), new Rng(7, 'shuffle', 4), new Rng(7, 'shuffle', 3, 0), new Rng(2 ** 40 + 7, 'shuffle', 3)]) {
    assert.notDeepEqual(draw(other), base);
  }
});

test('nextInt is uniform (chi-square test, ~1e-6 false-failure rate) and stays in range', () => {
  const rng = new Rng(1);
  for (const bound of [2, 9, 1000]) {
    const counts = new Array<number>(bound).fill(0);
    const draws = bound * 200;
    for (let i = 0; i < draws; i++) {
      const value = rng.nextInt(bound);
      assert.ok(Number.isInteger(value) && value >= 0 && value < bound);
      counts[value]++;
    }
    const statistic = uniformChiSquare(counts);
    assert.ok(statistic < chiSquareQuantile(Math.max(bound - 1, 3)), `bound ${bound}: chi-square ${statistic}`);
  }
  assert.throws(() => rng.nextInt(0), /bound must be an integer/);
});

test('nextFloat is uniform on [0, 1): mean 1/2, variance 1/12', () => {
  const rng = new Rng(2);
  const values = Float64Array.from({ length: 100000 }, () => rng.nextFloat());
  assert.ok(values.every((value) => value >= 0 && value < 1));
  assertMeanNear(meanOf(values), 0.5, 1 / 12, values.length, 'uniform mean');
  // variance of (u - 1/2)^2 is 1/80 - 1/144
  assertMeanNear(varianceOf(values), 1 / 12, 1 / 80 - 1 / 144, values.length, 'uniform variance');
});

test('nextNormal has mean 0, variance 1 and kurtosis 3', () => {
  const rng = new Rng(3);
  const values = Float64Array.from({ length: 100000 }, () => rng.nextNormal());
  assertMeanNear(meanOf(values), 0, 1, values.length, 'normal mean');
  assertMeanNear(varianceOf(values), 1, 2, values.length, 'normal variance');
  const fourth = meanOf(values.map((value) => value ** 4));
  assertMeanNear(fourth, 3, 105 - 9, values.length, 'normal fourth moment');
});

test('permutation holds every index once, and every position is uniform over indices', () => {
  const rng = new Rng(4);
  const n = 6;
  const counts = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  const rounds = 12000;
  for (let round = 0; round < rounds; round++) {
    const order = rng.permutation(n);
    assert.deepEqual([...order].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5]);
    order.forEach((value, position) => counts[position][value]++);
  }
  for (const row of counts) assert.ok(uniformChiSquare(row) < chiSquareQuantile(n - 1, Z));
  assert.deepEqual(Array.from(new Rng(5).permutation(0)), []);
  const big = new Rng(5).permutation(60000);
  assert.equal(new Set(big).size, 60000);
});

test('bad seeds are rejected with the value', () => {
  assert.throws(() => new Rng(-1), /got -1/);
  assert.throws(() => new Rng(1.5), /got 1.5/);
});
