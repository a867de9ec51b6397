import { test } from 'node:test';
import assert from 'node:assert/strict';
import { markWithinOneStd } from '../../src/report/compare.js';
import { cellText, pivotTable, toMarkdown } from '../../src/report/table.js';

// Row 10%: A 90.0 ± √2 (best), B 89.5 ± 0.2 (|Δ| 0.5 ≤ √2: tie), C 88.0 ± 0.5 (|Δ| 2.0 > √2).
// Row 2%: A 80.0 ± 0.1, B 80.4 ± 0.5 (best; A: |Δ| 0.4 ≤ max(0.5, 0.1)), C 80.1 (one seed; |Δ| 0.3 ≤ 0.5).
const data = [
  ...[89, 91].map((v) => ({ method: 'A', density: 0.1, acc: v })),
  ...[89.5 - 0.2 / Math.SQRT2 * 1, 89.5 + 0.2 / Math.SQRT2 * 1].map((v) => ({ method: 'B', density: 0.1, acc: v })),
  ...[88 - 0.5 / Math.SQRT2, 88 + 0.5 / Math.SQRT2].map((v) => ({ method: 'C', density: 0.1, acc: v })),
  ...[80 - 0.1 / Math.SQRT2, 80 + 0.1 / Math.SQRT2].map((v) => ({ method: 'A', density: 0.02, acc: v })),
  ...[80.4 - 0.5 / Math.SQRT2, 80.4 + 0.5 / Math.SQRT2].map((v) => ({ method: 'B', density: 0.02, acc: v })),
  { method: 'C', density: 0.02, acc: 80.1 },
];
// std of two values m ± h/√2 is h (sample std): so the stds above are exact.

test('markWithinOneStd: rows; ties marked, clear gaps and the best itself not; one note', () => {
  const table = pivotTable(data, { rows: 'density', columns: 'method', value: 'acc', highlight: { best: 'max', within: 'row' }, cell: { digits: 1 } });
  const marked = markWithinOneStd(table, 'row');
  assert.deepEqual(marked.rows.map((row) => row.map(cellText)), [
    ['0.1', '90.0 ± 1.4', '89.5 ± 0.2 †', '88.0 ± 0.5'],
    ['0.02', '80.0 ± 0.1 †', '80.4 ± 0.5', '80.1 †'],
  ]);
  assert.equal(marked.notes!.length, 1);
  assert.match(toMarkdown(marked), /\n† within one standard deviation of the best \(bold\) in its row/);
  assert.deepEqual(table.rows.map((row) => row.map(cellText))[0], ['0.1', '90.0 ± 1.4', '89.5 ± 0.2', '88.0 ± 0.5'], 'input unchanged');
});

test('markWithinOneStd: columns; a best without spread (one seed) marks nothing and adds no note', () => {
  const one = pivotTable([{ m: 'A', d: 1, v: 5 }, { m: 'B', d: 1, v: 4.9 }], { rows: 'm', columns: 'd', value: 'v', highlight: { best: 'max', within: 'column' } });
  const marked = markWithinOneStd(one, 'column');
  assert.deepEqual(marked.rows.map((row) => row.map(cellText)), [['A', '5.00'], ['B', '4.90']]);
  assert.equal(marked.notes, undefined);
  const columns = markWithinOneStd(pivotTable(data, { rows: 'method', columns: 'density', value: 'acc', highlight: { best: 'max', within: 'column' }, cell: { digits: 1 } }), 'column');
  assert.deepEqual(columns.rows.map((row) => row.map(cellText)), [
    ['A', '90.0 ± 1.4', '80.0 ± 0.1 †'],
    ['B', '89.5 ± 0.2 †', '80.4 ± 0.5'],
    ['C', '88.0 ± 0.5', '80.1 †'],
  ]);
});
