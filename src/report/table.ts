// A plain table (header + string cells) rendered as Markdown or CSV, and builders for the paper's layouts.
import { aggregate, groupBy, type Summary } from './stats.js';

/**
 * A cell is text; `strong` marks the best entry (bold in Markdown/HTML, plain in CSV). `numbers` carries the
 * summary a mean ± std cell shows (scaled as shown, unrounded): CSV writes it as numeric columns. `note` is a
 * second, smaller line in HTML only (e.g. n and the paper's number).
 */
export type Cell = string | { text: string; strong?: boolean; numbers?: CellNumbers; note?: string };

/** The numbers behind a "mean ± std" cell; std is NaN for one sample, everything NaN (n = 0) for no sample. */
export interface CellNumbers { mean: number; std: number; n: number }
export type Align = 'left' | 'right' | 'center';

export interface Table {
  columns: string[];
  rows: Cell[][];
  /** Per column; default: first column left, the others right. */
  align?: Align[];
  caption?: string;
  /** Lines under the table (HTML and Markdown), e.g. what a marker means. */
  notes?: string[];
}

export function cellText(cell: Cell): string {
  return typeof cell === 'string' ? cell : cell.text;
}

export function isStrong(cell: Cell): boolean {
  return typeof cell !== 'string' && cell.strong === true;
}

export function columnAlign(table: Table, column: number): Align {
  return table.align?.[column] ?? (column === 0 ? 'left' : 'right');
}

/** GitHub-flavoured Markdown, columns padded to equal width so the source reads as a table too. */
export function toMarkdown(table: Table): string {
  checkShape(table);
  const render = (cell: Cell): string => {
    const text = cellText(cell).replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
    return isStrong(cell) && text !== '' ? `**${text}**` : text;
  };
  const header = table.columns.map((c) => render(c));
  const body = table.rows.map((row) => row.map(render));
  const widths = header.map((h, j) => Math.max(3, h.length, ...body.map((row) => row[j]!.length)));
  const pad = (text: string, j: number): string =>
    columnAlign(table, j) === 'right' ? text.padStart(widths[j]!) : text.padEnd(widths[j]!);
  const line = (cells: string[]): string => `| ${cells.map(pad).join(' | ')} |`;
  const rule = widths.map((w, j) => {
    const a = columnAlign(table, j);
    const dashes = '-'.repeat(w - (a === 'center' ? 2 : a === 'right' ? 1 : 0));
    return a === 'center' ? `:${dashes}:` : a === 'right' ? `${dashes}:` : dashes;
  });
  const lines = [line(header), `| ${rule.join(' | ')} |`, ...body.map(line)];
  const caption = table.caption === undefined ? '' : `${table.caption}\n\n`;
  const notes = (table.notes ?? []).map((note) => `\n${note}\n`).join('');
  return `${caption}${lines.join('\n')}\n${notes}`;
}

/**
 * RFC 4180 CSV with "\n" line ends; a field is quoted when it holds a comma, quote, line break or edge space.
 * A column whose cells carry `numbers` (a pivot table's mean ± std) becomes three numeric columns, "X mean",
 * "X std" and "X n", so scripts read numbers instead of "88.70 ± 0.16"; a missing mean or std is empty.
 */
export function toCsv(table: Table): string {
  checkShape(table);
  const field = (text: string): string => (/[",\r\n]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);
  const numeric = table.columns.map((_, j) => table.rows.some((row) => typeof row[j] !== 'string' && row[j]!.numbers !== undefined));
  const header = table.columns.flatMap((c, j) => {
    const text = cellText(c);
    return numeric[j] ? [`${text} mean`, `${text} std`, `${text} n`] : [text];
  });
  const body = table.rows.map((row) => row.flatMap((cell, j) => {
    if (!numeric[j]) return [cellText(cell)];
    const numbers = typeof cell === 'string' ? undefined : cell.numbers;
    return numbers === undefined ? ['', '', '0'] : [csvNumber(numbers.mean), csvNumber(numbers.std), String(numbers.n)];
  }));
  return [header, ...body].map((row) => row.map(field).join(',')).join('\n') + '\n';
}

/** A number for CSV: integers exact, others to 12 significant digits (no noise such as 88.70000000000002); empty when not finite. */
export function csvNumber(value: number): string {
  if (!Number.isFinite(value)) return '';
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(12)));
}

function checkShape(table: Table): void {
  table.rows.forEach((row, i) => {
    if (row.length !== table.columns.length) {
      throw new RangeError(`table row ${i} has ${row.length} cells, expected ${table.columns.length} (columns: ${table.columns.join(', ')})`);
    }
  });
}

// ---- formatting ----

export interface MeanStdFormat {
  /** Decimal places (default 2). */
  digits?: number;
  /** Multiply mean and std first (100 turns fractions into percent). */
  scale?: number;
}

/** "93.01 ± 0.19"; one sample gives just the mean (its spread is unknown); none gives "—". */
export function formatMeanStd(summary: Summary, format: MeanStdFormat = {}): string {
  const digits = format.digits ?? 2;
  const scale = format.scale ?? 1;
  if (summary.n === 0) return '—';
  const mean = (summary.mean * scale).toFixed(digits);
  return summary.n < 2 ? mean : `${mean} ± ${(summary.std * scale).toFixed(digits)}`;
}

/** 0.1 → "10%", 0.02 → "2%", 0.001 → "0.1%" (no float noise such as 10.000000000000002). */
export function formatPercent(fraction: unknown): string {
  if (typeof fraction !== 'number') return String(fraction);
  return `${Number((fraction * 100).toPrecision(12))}%`;
}

/** `significant` digits, as toPrecision writes them ("0.500", "1.23e5", "1.23e-7"). */
export function formatNumber(value: number, significant = 3): string {
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return '0';
  return value.toPrecision(significant).replace('e+', 'e');
}

/** "0.123 [0.110, 0.136]": an estimate with its confidence interval. */
export function formatInterval(value: number, low: number, high: number, significant = 3): string {
  return `${formatNumber(value, significant)} [${formatNumber(low, significant)}, ${formatNumber(high, significant)}]`;
}

// ---- builders ----

export interface PivotOptions {
  /** Field(s) labelling each row, one leading column each (e.g. 'method', or ['model', 'density']). */
  rows: string | string[];
  /** The field whose values become columns (e.g. 'density'). */
  columns: string;
  /** The numeric field summarized over the remaining fields (typically seeds). */
  value: string;
  /** Header text of the leading columns (default: the field names). */
  rowHeaders?: string[];
  /** How a key value is shown, per field (default String(value)); e.g. {density: formatPercent}. */
  formatKey?: Record<string, (value: unknown) => string>;
  /** Preferred order of key values, per field; values not listed follow (sorted by `sort`, else as found). */
  order?: Record<string, unknown[]>;
  /** Sort a field's values (numbers numerically, others as text), e.g. {density: 'descending'}: 10%, 5%, 2%. */
  sort?: Record<string, 'ascending' | 'descending'>;
  /**
   * Rows that are counted but never summarized (e.g. diverged runs: a number from them would poison the mean).
   * A cell whose rows are all such shows `label` ("diverged", or "all 3 diverged"); a cell with some shows the
   * others' summary and "(1 of 3 diverged)". Their keys still make rows and columns, so none disappears.
   */
  exclude?: { test: (row: object) => boolean; label: string };
  /** Cell format (default: 2 decimals, no scaling). */
  cell?: MeanStdFormat;
  /** Bold the best mean: within each data column (rows = methods) or each row (paper's Table 1 layout). */
  highlight?: { best: 'max' | 'min'; within: 'column' | 'row' };
  /** Blank a leading key cell that repeats the one above (as the paper prints the model once per block). */
  collapseRepeated?: boolean;
  caption?: string;
  /** A second line for a data cell (HTML only), from its full key (row fields and column field) and summary. */
  cellNote?: (key: Record<string, unknown>, summary: Summary) => string | undefined;
}

/**
 * Mean ± std table: one row per combination of `rows`, one column per value of `columns`, each cell the summary
 * of `value` over all rows sharing both (e.g. over seeds). Missing combinations show "—".
 */
export function pivotTable(data: readonly object[], options: PivotOptions): Table {
  const rowFields = typeof options.rows === 'string' ? [options.rows] : options.rows;
  const keyFields = [...rowFields, options.columns];
  const exclude = options.exclude;
  const included = exclude === undefined ? data : data.filter((row) => !exclude.test(row));
  const aggregates = aggregate(included, keyFields, options.value);
  const groups = groupBy(data, keyFields);
  const rowKeys = orderedKeys(groups.map((g) => rowFields.map((f) => g.key[f])), rowFields, options.order, options.sort);
  const columnKeys = orderedKeys(groups.map((g) => [g.key[options.columns]]), [options.columns], options.order, options.sort)
    .map((k) => k[0]);
  const format = (field: string, value: unknown): string => (options.formatKey?.[field] ?? String)(value);
  const id = (values: unknown[]): string => JSON.stringify(values.map((v) => v ?? null));
  const byId = new Map(aggregates.map((a) => [id(keyFields.map((f) => a.key[f])), a.summary]));
  const excludedCount = new Map(groups.map((g) => [id(keyFields.map((f) => g.key[f])), exclude === undefined ? 0 : g.rows.filter((row) => exclude.test(row)).length]));

  const summaries = rowKeys.map((rk) => columnKeys.map((ck) => byId.get(id([...rk, ck]))));
  const strong = bestMask(summaries, options.highlight);
  const rows: Cell[][] = rowKeys.map((rk, i) => {
    const labels: Cell[] = rk.map((v, j) => {
      const repeated = options.collapseRepeated && i > 0 && rowKeys[i - 1]!.slice(0, j + 1).every((p, q) => p === rk[q]);
      return repeated ? '' : format(rowFields[j]!, v);
    });
    const scale = options.cell?.scale ?? 1;
    const cells: Cell[] = summaries[i]!.map((s, j) => {
      const excluded = excludedCount.get(id([...rk, columnKeys[j]])) ?? 0;
      const label = exclude?.label ?? '';
      if (s === undefined) return excluded === 0 ? '—' : (excluded === 1 ? label : `all ${excluded} ${label}`);
      const text = excluded === 0 ? formatMeanStd(s, options.cell) : `${formatMeanStd(s, options.cell)} (${excluded} of ${excluded + s.n} ${label})`;
      const numbers = { mean: s.mean * scale, std: s.std * scale, n: s.n };
      const key = Object.fromEntries([...rowFields.map((f, q) => [f, rk[q]]), [options.columns, columnKeys[j]]]);
      const note = options.cellNote?.(key, s);
      return { text, ...(strong[i]![j] ? { strong: true } : {}), numbers, ...(note === undefined ? {} : { note }) };
    });
    return [...labels, ...cells];
  });
  return {
    columns: [...(options.rowHeaders ?? rowFields), ...columnKeys.map((k) => format(options.columns, k))],
    rows,
    align: [...rowFields.map((): Align => 'left'), ...columnKeys.map((): Align => 'right')],
    ...(options.caption === undefined ? {} : { caption: options.caption }),
  };
}

export interface ColumnSpec<Record> {
  header: string;
  value: (record: Record) => Cell | number;
  align?: Align;
}

/**
 * A table with one row per record and the given columns; numbers are shown with formatNumber. Used for tables
 * that are not mean ± std, e.g. a theory check (statement, scenario, measured (CI), predicted, ratio, verdict).
 */
export function recordTable<R>(records: readonly R[], columns: readonly ColumnSpec<R>[], caption?: string): Table {
  return {
    columns: columns.map((c) => c.header),
    rows: records.map((r) => columns.map((c) => {
      const v = c.value(r);
      return typeof v === 'number' ? formatNumber(v) : v;
    })),
    align: columns.map((c, j) => c.align ?? (j === 0 ? 'left' : 'right')),
    ...(caption === undefined ? {} : { caption }),
  };
}

function orderedKeys(
  keys: unknown[][], fields: string[], order: Record<string, unknown[]> | undefined, sort: PivotOptions['sort'],
): unknown[][] {
  const unique: unknown[][] = [];
  const seen = new Set<string>();
  for (const k of keys) {
    const id = JSON.stringify(k.map((v) => v ?? null));
    if (!seen.has(id)) { seen.add(id); unique.push(k); }
  }
  const firstSeen = fields.map((field, j) => {
    const values: unknown[] = [];
    for (const k of unique) if (!values.includes(k[j])) values.push(k[j]);
    const direction = sort?.[field];
    if (direction !== undefined) {
      const sign = direction === 'ascending' ? 1 : -1;
      values.sort((a, b) => sign * (typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b))));
    }
    return new Map(values.map((v, index) => [v, index]));
  });
  const rank = (k: unknown[], j: number): number => {
    const listed = order?.[fields[j]!]?.indexOf(k[j]) ?? -1;
    return listed >= 0 ? listed : 1e9 + firstSeen[j]!.get(k[j])!;
  };
  return unique
    .map((k, index) => ({ k, index }))
    .sort((a, b) => {
      for (let j = 0; j < fields.length; j++) {
        const d = rank(a.k, j) - rank(b.k, j);
        if (d !== 0) return d;
      }
      return a.index - b.index;
    })
    .map(({ k }) => k);
}

function bestMask(summaries: (Summary | undefined)[][], highlight: PivotOptions['highlight']): boolean[][] {
  const mask = summaries.map((row) => row.map(() => false));
  if (highlight === undefined || summaries.length === 0) return mask;
  const better = (a: number, b: number): boolean => (highlight.best === 'max' ? a > b : a < b);
  const lines = highlight.within === 'row'
    ? summaries.map((row, i) => row.map((_, j) => [i, j] as const))
    : summaries[0]!.map((_, j) => summaries.map((__, i) => [i, j] as const));
  for (const line of lines) {
    let best: number | undefined;
    for (const [i, j] of line) {
      const m = summaries[i]![j]?.mean;
      if (m !== undefined && Number.isFinite(m) && (best === undefined || better(m, best))) best = m;
    }
    if (best === undefined) continue;
    for (const [i, j] of line) if (summaries[i]![j]?.mean === best) mask[i]![j] = true; // ties: all bold
  }
  return mask;
}
