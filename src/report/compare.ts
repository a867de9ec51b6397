// Whether a table's best cell is resolved by its seeds: cells within one standard deviation of the best are
// marked, with a note under the table, so a bold best that is statistically a tie reads as one.
import type { Cell, CellNumbers, Table } from './table.js';

export const TIE_MARKER = '†';

/**
 * Marks (TIE_MARKER after the text) every cell whose mean is within one standard deviation of the best (bold)
 * cell of its row or column: |mean − best mean| ≤ max(std, best std). Needs cells carrying `numbers` (pivotTable)
 * and `strong` on the best; a line whose best has no spread (one seed) is left alone. Adds a note when any cell
 * was marked. Returns a new table.
 */
export function markWithinOneStd(table: Table, within: 'row' | 'column'): Table {
  const numbersOf = (cell: Cell | undefined): CellNumbers | undefined => (cell === undefined || typeof cell === 'string' ? undefined : cell.numbers);
  const rows = table.rows.map((row) => [...row]);
  const lines: [number, number][][] = within === 'row'
    ? rows.map((row, i) => row.map((_, j) => [i, j] as [number, number]))
    : table.columns.map((_, j) => rows.map((__, i) => [i, j] as [number, number]));
  let marked = 0;
  for (const line of lines) {
    const cells = line.filter(([i, j]) => numbersOf(rows[i]![j]) !== undefined);
    const best = cells.find(([i, j]) => typeof rows[i]![j] !== 'string' && (rows[i]![j] as { strong?: boolean }).strong);
    if (!best) continue;
    const b = numbersOf(rows[best[0]]![best[1]])!;
    if (!(Number.isFinite(b.mean) && Number.isFinite(b.std))) continue;
    for (const [i, j] of cells) {
      const cell = rows[i]![j] as Exclude<Cell, string>;
      if (cell.strong) continue;
      const c = cell.numbers!;
      const spread = Math.max(b.std, Number.isFinite(c.std) ? c.std : 0);
      if (Number.isFinite(c.mean) && Math.abs(b.mean - c.mean) <= spread) {
        rows[i]![j] = { ...cell, text: `${cell.text} ${TIE_MARKER}` };
        marked++;
      }
    }
  }
  if (marked === 0) return { ...table, rows };
  const note = `${TIE_MARKER} within one standard deviation of the best (bold) in its ${within} (|Δ mean| ≤ the larger std): ` +
    'these seeds do not separate the two.';
  return { ...table, rows, notes: [...(table.notes ?? []), note] };
}
