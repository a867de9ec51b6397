// Op values against closed forms and brute-force JavaScript computations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as T from '../../src/torch/index.js';
import { pseudoRandom, pseudoTensor as random } from '../helpers/gradcheck.js';

const { F } = T;
const close = (actual: number, expected: number, tolerance = 1e-12, what = '') =>
  assert.ok(Math.abs(actual - expected) <= tolerance * Math.max(1, Math.abs(expected)), `${what} ${actual} vs ${expected}`);
const allClose = (actual: number[], expected: number[], tolerance = 1e-12, what = '') => {
  assert.equal(actual.length, expected.length, `${what} length`);
  actual.forEach((value, i) => close(value, expected[i], tolerance, `${what}[${i}]`));
};
const int64 = (values: number[]) => T.tensor(BigInt64Array.from(values.map(BigInt)));

test('sums and means of 0..n-1 follow n(n-1)/2, over all elements and along dims', () => {
  T.tidy(() => {
    const n = 1000;
    const x = T.arange(n, undefined, 1, { dtype: 'float64' });
    close(x.sum().item(), (n * (n - 1)) / 2);
    close(x.mean().item(), (n - 1) / 2);
    const matrix = x.reshape([10, 100]); // row r holds 100r .. 100r+99
    allClose(matrix.sum(1).toArray(), Array.from({ length: 10 }, (_, r) => 100 * 100 * r + (100 * 99) / 2));
    allClose(matrix.mean(0).toArray(), Array.from({ length: 100 }, (_, c) => 450 + c));
    assert.deepEqual(matrix.sum(1, true).shape, [10, 1]);
    assert.equal(T.arange(10).sum().dtype, 'int64', 'integer sums stay integer');
    assert.equal(T.arange(10).sum().item(), 45);
  });
});

test('norms: p=2, p=1, p=3, max, along dims, on known and random vectors', () => {
  T.tidy(() => {
    close(T.tensor([3, 4], undefined, { dtype: 'float64' }).norm().item(), 5);
    close(T.tensor([3, -4, 12], undefined, { dtype: 'float64' }).norm(1).item(), 19);
    const values = Array.from(pseudoRandom(50, 1));
    const x = T.tensor(Float64Array.from(values), [5, 10]);
    close(x.norm().item(), Math.sqrt(values.reduce((s, v) => s + v * v, 0)));
    close(x.norm(3).item(), Math.cbrt(values.reduce((s, v) => s + Math.abs(v) ** 3, 0)));
    close(x.norm(Infinity).item(), Math.max(...values.map(Math.abs)));
    const rowNorms = Array.from({ length: 5 }, (_, r) => Math.hypot(...values.slice(10 * r, 10 * r + 10)));
    allClose(x.norm(2, 1).toArray(), rowNorms);
    assert.deepEqual(x.norm(2, 1, true).shape, [5, 1]);
  });
});

test('variance and standard deviation with and without Bessel correction', () => {
  T.tidy(() => {
    const values = Array.from(pseudoRandom(37, 2));
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const squares = values.reduce((s, v) => s + (v - mean) ** 2, 0);
    const x = T.tensor(Float64Array.from(values));
    close(x.var().item(), squares / 36);
    close(x.var(undefined, { correction: 0 }).item(), squares / 37);
    close(x.std().item(), Math.sqrt(squares / 36));
  });
});

test('matmul equals the triple loop', () => {
  T.tidy(() => {
    const a = random([3, 5], 3);
    const b = random([5, 4], 4);
    const av = a.toArray();
    const bv = b.toArray();
    const expected: number[] = [];
    for (let i = 0; i < 3; i++) for (let j = 0; j < 4; j++) {
      let sum = 0;
      for (let k = 0; k < 5; k++) sum += av[i * 5 + k] * bv[k * 4 + j];
      expected.push(sum);
    }
    allClose(a.matmul(b).toArray(), expected, 1e-13);
  });
});

test('topk, kthvalue and sort agree with a JavaScript sort', () => {
  T.tidy(() => {
    const rows = 4;
    const columns = 9;
    const values = Array.from(pseudoRandom(rows * columns, 5));
    const x = T.tensor(Float64Array.from(values), [rows, columns]);
    const top = x.topk(3, 1);
    const kth = x.kthvalue(4, 1);
    const sorted = x.sort(1, true);
    for (let r = 0; r < rows; r++) {
      const row = values.slice(r * columns, (r + 1) * columns);
      const descending = row.map((value, index) => ({ value, index })).sort((p, q) => q.value - p.value);
      const ascending = [...descending].reverse();
      assert.deepEqual(top.values.toArray().slice(r * 3, r * 3 + 3), descending.slice(0, 3).map((e) => e.value));
      assert.deepEqual(top.indices.toArray().slice(r * 3, r * 3 + 3), descending.slice(0, 3).map((e) => e.index));
      assert.equal(kth.values.toArray()[r], ascending[3].value, 'kthvalue is the 4th smallest');
      assert.equal(kth.indices.toArray()[r], ascending[3].index);
      assert.deepEqual(sorted.values.toArray().slice(r * columns, (r + 1) * columns), descending.map((e) => e.value));
      assert.deepEqual(sorted.indices.toArray().slice(r * columns, (r + 1) * columns), descending.map((e) => e.index));
    }
    assert.equal(top.indices.dtype, 'int64');
    const smallest = x.topk(2, 1, false);
    assert.deepEqual(smallest.values.toArray().slice(0, 2), values.slice(0, columns).sort((p, q) => p - q).slice(0, 2));
  });
});

test('bincount (with weights and minlength) and indexAdd equal brute-force counting', () => {
  T.tidy(() => {
    const classes = [3, 0, 3, 5, 1, 3, 0];
    const weights = [0.5, 1, 2, -1, 4, 0.25, 8];
    assert.deepEqual(int64(classes).bincount().toArray(), [2, 1, 0, 3, 0, 1]);
    const weighted = int64(classes).bincount(T.tensor(weights, undefined, { dtype: 'float64' }), 8).toArray();
    const expected = new Array(8).fill(0);
    classes.forEach((c, i) => { expected[c] += weights[i]; });
    allClose(weighted, expected);

    const target = random([5, 3], 6);
    const source = random([4, 3], 7);
    const index = [4, 0, 4, 2];
    const result = target.indexAdd(0, int64(index), source, 2).toArray();
    const reference = target.toArray();
    const sourceValues = source.toArray();
    index.forEach((row, i) => { for (let c = 0; c < 3; c++) reference[row * 3 + c] += 2 * sourceValues[i * 3 + c]; });
    allClose(result, reference);
  });
});

test('comparisons, logic and where match JavaScript element by element (ties included)', () => {
  T.tidy(() => {
    const a = [1, 2, 3, 4, 2, -1];
    const b = [1, 3, 2, 4, 5, -2];
    const ta = T.tensor(a);
    const tb = T.tensor(b);
    const check = (tensor: T.Tensor, expected: boolean[], what: string) => {
      assert.equal(tensor.dtype, 'bool', what);
      assert.deepEqual(tensor.toArray(), expected.map(Number), what);
    };
    check(ta.eq(tb), a.map((x, i) => x === b[i]), 'eq');
    check(ta.ne(tb), a.map((x, i) => x !== b[i]), 'ne');
    check(ta.lt(tb), a.map((x, i) => x < b[i]), 'lt');
    check(ta.le(tb), a.map((x, i) => x <= b[i]), 'le');
    check(ta.gt(tb), a.map((x, i) => x > b[i]), 'gt');
    check(ta.ge(tb), a.map((x, i) => x >= b[i]), 'ge');
    check(ta.gt(2), a.map((x) => x > 2), 'gt scalar');
    check(ta.eq(2), a.map((x) => x === 2), 'eq scalar');
    check(ta.gt(1).logicalAnd(tb.lt(4)), a.map((x, i) => x > 1 && b[i] < 4), 'logicalAnd');
    check(ta.gt(3).logicalOr(tb.lt(0)), a.map((x, i) => x > 3 || b[i] < 0), 'logicalOr');
    check(ta.gt(0).logicalNot(), a.map((x) => !(x > 0)), 'logicalNot');
    assert.deepEqual(T.where(ta.gt(tb), ta, tb).toArray(), a.map((x, i) => Math.max(x, b[i])));
    assert.deepEqual(T.where(ta.gt(2), ta, 0).toArray(), a.map((x) => (x > 2 ? x : 0)));
    assert.deepEqual(T.where(ta.gt(2), 1, -1).toArray(), a.map((x) => (x > 2 ? 1 : -1)));
    assert.equal(ta.gt(tb).sum().item(), a.filter((x, i) => x > b[i]).length);
    assert.deepEqual(ta.ge(2).nonzero().toArray(), [1, 2, 3, 4]);
  });
});

test('batchNorm in training mode normalizes with batch statistics and updates running stats by the momentum formula', () => {
  T.tidy(() => {
    const [n, c, h, w] = [4, 3, 2, 2];
    const x = random([n, c, h, w], 8, 2);
    const weight = random([c], 9);
    const bias = random([c], 10);
    const runningMean = random([c], 11);
    const runningVar = random([c], 12).abs().add(0.5);
    const momentum = 0.3;
    const eps = 1e-5;
    const before = { mean: runningMean.toArray(), variance: runningVar.toArray() };
    const output = F.batchNorm(x, { weight, bias, runningMean, runningVar, training: true, momentum, eps }).toArray();
    const values = x.toArray();
    const count = n * h * w;
    const at = (i: number, ch: number, j: number) => values[(i * c + ch) * h * w + j];
    for (let ch = 0; ch < c; ch++) {
      let sum = 0;
      for (let i = 0; i < n; i++) for (let j = 0; j < h * w; j++) sum += at(i, ch, j);
      const mean = sum / count;
      let squares = 0;
      for (let i = 0; i < n; i++) for (let j = 0; j < h * w; j++) squares += (at(i, ch, j) - mean) ** 2;
      const biased = squares / count;
      const unbiased = squares / (count - 1);
      close(runningMean.toArray()[ch], (1 - momentum) * before.mean[ch] + momentum * mean, 1e-12, 'running mean');
      close(runningVar.toArray()[ch], (1 - momentum) * before.variance[ch] + momentum * unbiased, 1e-12, 'running var');
      for (let i = 0; i < n; i++) for (let j = 0; j < h * w; j++) {
        const expected = ((at(i, ch, j) - mean) / Math.sqrt(biased + eps)) * weight.toArray()[ch] + bias.toArray()[ch];
        close(output[(i * c + ch) * h * w + j], expected, 1e-10, 'normalized output');
      }
    }
    // Eval mode uses (and does not change) the running statistics.
    const frozen = { mean: runningMean.toArray(), variance: runningVar.toArray() };
    const evaluated = F.batchNorm(x, { weight, bias, runningMean, runningVar, training: false, eps }).toArray();
    assert.deepEqual(runningMean.toArray(), frozen.mean);
    for (let ch = 0; ch < c; ch++) {
      const expected = ((at(1, ch, 2) - frozen.mean[ch]) / Math.sqrt(frozen.variance[ch] + eps)) * weight.toArray()[ch] + bias.toArray()[ch];
      close(evaluated[(1 * c + ch) * h * w + 2], expected, 1e-10, 'eval output');
    }
  });
});

test('crossEntropy, logSoftmax, nllLoss, mseLoss and l1Loss equal their formulas', () => {
  T.tidy(() => {
    const logits = random([3, 4], 13, 3);
    const target = [2, 0, 3];
    const rows = [0, 1, 2].map((r) => logits.toArray().slice(4 * r, 4 * r + 4));
    const logSoftmax = rows.map((row) => {
      const max = Math.max(...row);
      const logSum = max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
      return row.map((v) => v - logSum);
    });
    allClose(F.logSoftmax(logits, 1).toArray(), logSoftmax.flat(), 1e-13);
    const losses = target.map((t, r) => -logSoftmax[r][t]);
    close(F.crossEntropy(logits, int64(target)).item(), losses.reduce((a, b) => a + b) / 3, 1e-13);
    close(F.crossEntropy(logits, int64(target), { reduction: 'sum' }).item(), losses.reduce((a, b) => a + b), 1e-13);
    allClose(F.crossEntropy(logits, int64(target), { reduction: 'none' }).toArray(), losses, 1e-13);
    const smoothing = 0.2;
    const smoothed = target.map((_t, r) => (1 - smoothing) * losses[r] - (smoothing / 4) * logSoftmax[r].reduce((a, b) => a + b));
    close(F.crossEntropy(logits, int64(target), { labelSmoothing: smoothing }).item(), smoothed.reduce((a, b) => a + b) / 3, 1e-13);
    close(F.nllLoss(F.logSoftmax(logits, 1), int64(target)).item(), losses.reduce((a, b) => a + b) / 3, 1e-13);
    const a = random([6], 14);
    const b = random([6], 15);
    const differences = a.toArray().map((v, i) => v - b.toArray()[i]);
    close(F.mseLoss(a, b).item(), differences.reduce((s, d) => s + d * d, 0) / 6, 1e-13);
    close(F.l1Loss(a, b, 'sum').item(), differences.reduce((s, d) => s + Math.abs(d), 0), 1e-13);
  });
});

test('conv2d with stride, padding, dilation and groups equals a direct loop', () => {
  T.tidy(() => {
    const [n, cIn, h, w, cOut, k, groups, stride, padding, dilation] = [2, 4, 7, 6, 6, 3, 2, 2, 1, 2];
    const x = random([n, cIn, h, w], 16);
    const weight = random([cOut, cIn / groups, k, k], 17);
    const bias = random([cOut], 18);
    const out = F.conv2d(x, weight, { bias, stride, padding, dilation, groups });
    const oh = Math.floor((h + 2 * padding - dilation * (k - 1) - 1) / stride) + 1;
    const ow = Math.floor((w + 2 * padding - dilation * (k - 1) - 1) / stride) + 1;
    assert.deepEqual(out.shape, [n, cOut, oh, ow]);
    const xv = x.toArray();
    const wv = weight.toArray();
    const bv = bias.toArray();
    const perGroupIn = cIn / groups;
    const perGroupOut = cOut / groups;
    const expected: number[] = [];
    for (let b = 0; b < n; b++) for (let o = 0; o < cOut; o++) for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) {
      let sum = bv[o];
      const group = Math.floor(o / perGroupOut);
      for (let ci = 0; ci < perGroupIn; ci++) for (let u = 0; u < k; u++) for (let v = 0; v < k; v++) {
        const row = i * stride - padding + u * dilation;
        const column = j * stride - padding + v * dilation;
        if (row < 0 || row >= h || column < 0 || column >= w) continue;
        sum += xv[((b * cIn + group * perGroupIn + ci) * h + row) * w + column] * wv[((o * perGroupIn + ci) * k + u) * k + v];
      }
      expected.push(sum);
    }
    allClose(out.toArray(), expected, 1e-12);
  });
});

test('pooling: maxPool2d, avgPool2d and adaptiveAvgPool2d equal window maxima and means', () => {
  T.tidy(() => {
    const x = random([1, 1, 4, 4], 19);
    const v = x.toArray();
    const window = (r: number, c: number, size: number) => {
      const items: number[] = [];
      for (let i = 0; i < size; i++) for (let j = 0; j < size; j++) items.push(v[(r + i) * 4 + c + j]);
      return items;
    };
    const corners = [[0, 0], [0, 2], [2, 0], [2, 2]];
    allClose(F.maxPool2d(x, 2).toArray(), corners.map(([r, c]) => Math.max(...window(r, c, 2))));
    allClose(F.avgPool2d(x, 2).toArray(), corners.map(([r, c]) => window(r, c, 2).reduce((a, b) => a + b) / 4));
    allClose(F.adaptiveAvgPool2d(x, 1).toArray(), [v.reduce((a, b) => a + b) / 16]);
    // 4→3 adaptive windows are [0,2), [1,3), [2,4) on each axis.
    const adaptive = F.adaptiveAvgPool2d(x, 3).toArray();
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) close(adaptive[i * 3 + j], window(i, j, 2).reduce((a, b) => a + b) / 4);
  });
});

test('shape ops move elements where the index arithmetic says', () => {
  T.tidy(() => {
    const x = T.arange(24).reshape([2, 3, 4]);
    const permuted = x.permute([2, 0, 1]);
    assert.deepEqual(permuted.shape, [4, 2, 3]);
    const p = permuted.contiguous().toArray();
    for (let a = 0; a < 2; a++) for (let b = 0; b < 3; b++) for (let c = 0; c < 4; c++) {
      assert.equal(p[(c * 2 + a) * 3 + b], (a * 3 + b) * 4 + c);
    }
    assert.deepEqual(x.narrow(2, 1, 2).contiguous().toArray().slice(0, 4), [1, 2, 5, 6]);
    assert.deepEqual(T.arange(10).slice(0, 1, 9, 3).toArray(), [1, 4, 7]);
    assert.deepEqual(T.cat([T.arange(2), T.arange(3)]).toArray(), [0, 1, 0, 1, 2]);
    assert.deepEqual(T.stack([T.arange(2), T.arange(2)], 1).toArray(), [0, 0, 1, 1]);
    assert.deepEqual(T.arange(3).reshape([3, 1]).expand([3, 2]).contiguous().toArray(), [0, 0, 1, 1, 2, 2]);
    assert.deepEqual(T.arange(6).reshape([3, 2]).indexSelect(0, int64([2, 0])).toArray(), [4, 5, 0, 1]);
  });
});
