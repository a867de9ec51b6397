import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  formatInterval, formatMeanStd, formatNumber, formatPercent, pivotTable, recordTable, toCsv, toMarkdown, type Cell, type Table,
} from '../../src/report/table.js';
import { summarize } from '../../src/report/stats.js';

// Two methods × two densities, two seeds each; a missing (method B, 2%) cell.
const rows = [
  { method: 'SynFlow', density: 0.1, seed: 0, accuracy: 0.9301 },
  { method: 'SynFlow', density: 0.1, seed: 1, accuracy: 0.9339 },
  { method: 'SynFlow', density: 0.02, seed: 0, accuracy: 0.9168 },
  { method: 'SynFlow', density: 0.02, seed: 1, accuracy: 0.9140 },
  { method: 'SNIP, sparse', density: 0.1, seed: 0, accuracy: 0.9400 },
  { method: 'SNIP, sparse', density: 0.1, seed: 1, accuracy: 0.9300 },
];

test('pivotTable: rows = methods, columns = densities, cells mean ± std in percent; exact Markdown', () => {
  const table = pivotTable(rows, {
    rows: 'method', columns: 'density', value: 'accuracy', rowHeaders: ['Method'],
    formatKey: { density: formatPercent }, cell: { scale: 100, digits: 2 },
  });
  // SynFlow 10%: mean 93.20, std |93.39-93.01|/√2 = 0.2687 → 0.27; 2%: 91.54 ± 0.1980 → 0.20
  // SNIP 10%: 93.50 ± 0.7071 → 0.71
  assert.equal(toMarkdown(table), [
    '| Method       |          10% |           2% |',
    '| ------------ | -----------: | -----------: |',
    '| SynFlow      | 93.20 ± 0.27 | 91.54 ± 0.20 |',
    '| SNIP, sparse | 93.50 ± 0.71 |            — |',
    '',
  ].join('\n'));
  // CSV: numbers, mean and std (sample std, ddof 1) in separate columns, unrounded, in the table's scale (percent).
  // SynFlow 10%: mean (93.01+93.39)/2 = 93.2, std 0.38/√2 = 0.268700576850888; 2%: 91.54 ± 0.14·√2 = 0.197989898732233
  assert.equal(toCsv(table), [
    'Method,10% mean,10% std,10% n,2% mean,2% std,2% n',
    'SynFlow,93.2,0.268700576851,2,91.54,0.197989898732,2',
    '"SNIP, sparse",93.5,0.707106781187,2,,,0',
    '',
  ].join('\n'));
});

test('pivotTable: preferred order, best per column in bold, paper layout with model blocks', () => {
  const t = pivotTable(rows, {
    rows: 'method', columns: 'density', value: 'accuracy', order: { density: [0.02, 0.1], method: ['SNIP, sparse'] },
    formatKey: { density: formatPercent }, cell: { scale: 100, digits: 1 }, highlight: { best: 'max', within: 'column' },
  });
  assert.deepEqual(t.columns, ['method', '2%', '10%']);
  const shown = t.rows.map((row) => row.map((c) => (typeof c === 'string' ? c : { text: c.text, strong: c.strong })));
  assert.deepEqual(shown, [
    ['SNIP, sparse', '—', { text: '93.5 ± 0.7', strong: true }],
    ['SynFlow', { text: '91.5 ± 0.2', strong: true }, { text: '93.2 ± 0.3', strong: undefined }],
  ]);
  const cell = t.rows[1]![2] as Exclude<Cell, string>;
  assert.equal(cell.numbers!.n, 2);
  assert.ok(Math.abs(cell.numbers!.mean - 93.2) < 1e-12 && Math.abs(cell.numbers!.std - 0.38 / Math.SQRT2) < 1e-12);
  assert.match(toMarkdown(t), /\| SNIP, sparse \|\s+— \| \*\*93\.5 ± 0\.7\*\* \|/);
  assert.match(toCsv(t), /^"SNIP, sparse",,,0,93\.5,0\.707106781187,2$/m); // CSV has no markup

  // The paper's Table 1: rows (model, density), columns = methods, best per row, model printed once per block.
  const paper = pivotTable(
    [...rows.map((r) => ({ ...r, model: 'VGG-19' })), { model: 'ResNet-20', method: 'SynFlow', density: 0.1, seed: 0, accuracy: 0.8655 }],
    { rows: ['model', 'density'], columns: 'method', value: 'accuracy', rowHeaders: ['Model', 'Density'],
      formatKey: { density: formatPercent }, cell: { scale: 100 }, highlight: { best: 'max', within: 'row' }, collapseRepeated: true },
  );
  assert.equal(toMarkdown(paper), [
    '| Model     | Density |          SynFlow |     SNIP, sparse |',
    '| --------- | ------- | ---------------: | ---------------: |',
    '| VGG-19    | 10%     |     93.20 ± 0.27 | **93.50 ± 0.71** |',
    '|           | 2%      | **91.54 ± 0.20** |                — |',
    '| ResNet-20 | 10%     |        **86.55** |                — |', // one seed: no spread shown
    '',
  ].join('\n'));
  // CSV renders the same table, so a collapsed key is blank there too (leave collapseRepeated off for CSV meant for machines)
  assert.equal(toCsv(paper).split('\n')[2], ',2%,91.54,0.197989898732,2,,,0');
  assert.equal(toCsv(paper).split('\n')[3], 'ResNet-20,10%,86.55,,1,,,0'); // one seed: std unknown (empty)
});

test('toMarkdown/toCsv: escaping, alignment, caption, shape check', () => {
  const table: Table = {
    columns: ['statement', 'value'],
    rows: [['a | b', 'say "hi"'], ['two\nlines', ' padded']],
    align: ['center', 'left'],
    caption: 'Table X: escaping',
  };
  assert.equal(toMarkdown(table), [
    'Table X: escaping',
    '',
    '| statement | value    |',
    '| :-------: | -------- |',
    '| a \\| b    | say "hi" |',
    '| two lines |  padded  |',
    '',
  ].join('\n'));
  assert.equal(toCsv(table), 'statement,value\na | b,"say ""hi"""\n"two\nlines"," padded"\n');
  assert.throws(() => toCsv({ columns: ['a', 'b'], rows: [['1']] }), /table row 0 has 1 cells, expected 2 \(columns: a, b\)/);
});

test('formatters', () => {
  assert.equal(formatPercent(0.1), '10%');
  assert.equal(formatPercent(0.05), '5%');
  assert.equal(formatPercent(0.02), '2%');
  assert.equal(formatPercent(0.001), '0.1%');
  assert.equal(formatPercent(0.07), '7%'); // 0.07 * 100 = 7.000000000000001 in floating point
  assert.equal(formatMeanStd(summarize([0.9, 0.92]), { scale: 100 }), '91.00 ± 1.41');
  assert.equal(formatMeanStd(summarize([0.9]), { scale: 100, digits: 1 }), '90.0');
  assert.equal(formatMeanStd(summarize([])), '—');
  assert.equal(formatNumber(0.5), '0.500');
  assert.equal(formatNumber(123456), '1.23e5');
  assert.equal(formatNumber(1.234e-7), '1.23e-7');
  assert.equal(formatNumber(0), '0');
  assert.equal(formatInterval(0.1234, 0.1101, 0.1363), '0.123 [0.110, 0.136]');
});

test('recordTable: a theory check table (statement, scenario, measured (CI), predicted, ratio, verdict)', () => {
  const checks = [
    { statement: 'Lemma 1', scenario: 'n=1000, s=100', mean: 0.0123, lo: 0.0118, hi: 0.0128, predicted: 0.0125, holds: true },
    { statement: 'Theorem 2', scenario: 'n=1000, s=10', mean: 0.31, lo: 0.29, hi: 0.33, predicted: 0.25, holds: false },
  ];
  const t = recordTable(checks, [
    { header: 'Statement', value: (c) => c.statement },
    { header: 'Scenario', value: (c) => c.scenario, align: 'left' },
    { header: 'Measured (95% CI)', value: (c) => formatInterval(c.mean, c.lo, c.hi) },
    { header: 'Predicted', value: (c) => c.predicted },
    { header: 'Ratio', value: (c) => c.mean / c.predicted },
    { header: 'Verdict', value: (c) => (c.holds ? 'holds' : { text: 'exceeded', strong: true }), align: 'left' },
  ], 'Theory checks');
  assert.equal(toCsv(t), [
    'Statement,Scenario,Measured (95% CI),Predicted,Ratio,Verdict',
    'Lemma 1,"n=1000, s=100","0.0123 [0.0118, 0.0128]",0.0125,0.984,holds',
    'Theorem 2,"n=1000, s=10","0.310 [0.290, 0.330]",0.250,1.24,exceeded',
    '',
  ].join('\n'));
  assert.match(toMarkdown(t), /\| \*\*exceeded\*\* \|/);
});

test('pivotTable: diverged rows are counted, never averaged, and keep their column (issue 14)', () => {
  const data = [
    { method: 'SynFlow', density: 0.1, seed: 0, accuracy: 0.90 },
    { method: 'SynFlow', density: 0.1, seed: 1, accuracy: 0.92 },
    { method: 'SynFlow', density: 0.1, seed: 2, accuracy: NaN, diverged: true },
    // every run of GraSP diverged, one without any result field at all (no result.json)
    { method: 'GraSP', density: 0.1, seed: 0, diverged: true },
    { method: 'GraSP', density: 0.1, seed: 1, accuracy: NaN, diverged: true },
    { method: 'SNIP', density: 0.1, seed: 0, accuracy: NaN, diverged: true },
  ];
  const table = pivotTable(data, {
    rows: 'density', columns: 'method', value: 'accuracy', formatKey: { density: formatPercent }, cell: { scale: 100 },
    exclude: { test: (row) => (row as { diverged?: boolean }).diverged === true, label: 'diverged' },
    highlight: { best: 'max', within: 'row' },
  });
  // SynFlow over the two finite seeds: mean 91.00, sample std |92 − 90|/√2 = 1.414 → 1.41; the best (bold) is
  // the only cell with a number.
  assert.equal(toMarkdown(table), [
    '| density |                            SynFlow |          GraSP |     SNIP |',
    '| ------- | ---------------------------------: | -------------: | -------: |',
    '| 10%     | **91.00 ± 1.41 (1 of 3 diverged)** | all 2 diverged | diverged |',
    '',
  ].join('\n'));
  assert.deepEqual(table.columns, ['density', 'SynFlow', 'GraSP', 'SNIP']);
  assert.deepEqual(table.rows[0]!.map((c) => (typeof c === 'string' ? c : c.text)), ['10%', '91.00 ± 1.41 (1 of 3 diverged)', 'all 2 diverged', 'diverged']);
  assert.ok(!toMarkdown(table).includes('NaN'));
  // Without the exclusion the old behaviour would either average NaN or need the field: both are visible here.
  assert.throws(() => pivotTable(data, { rows: 'density', columns: 'method', value: 'accuracy' }), /field "accuracy" is missing/);
});

test('pivotTable: sort orders unlisted key values numerically (densities 30%, 3%, 0.3% in any input order)', () => {
  const data = [0.03, 0.3, 0.003, 0.15, 0.5].flatMap((density, i) => [{ method: 'M', density, accuracy: 0.5 + i / 100 }]);
  const keys = (table: Table): string[] => table.rows.map((r) => String(r[0]));
  const descending = pivotTable(data, { rows: 'density', columns: 'method', value: 'accuracy', formatKey: { density: formatPercent }, sort: { density: 'descending' } });
  assert.deepEqual(keys(descending), ['50%', '30%', '15%', '3%', '0.3%']);
  const ascending = pivotTable(data, { rows: 'density', columns: 'method', value: 'accuracy', formatKey: { density: formatPercent }, sort: { density: 'ascending' } });
  assert.deepEqual(keys(ascending), ['0.3%', '3%', '15%', '30%', '50%']);
  // a preferred order still comes first; the rest follow sorted
  const mixed = pivotTable(data, { rows: 'density', columns: 'method', value: 'accuracy', formatKey: { density: formatPercent }, order: { density: [0.15] }, sort: { density: 'descending' } });
  assert.deepEqual(keys(mixed), ['15%', '50%', '30%', '3%', '0.3%']);
});
