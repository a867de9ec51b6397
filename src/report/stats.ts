// Mean ± standard deviation over seeds, and grouping of plain result rows.

export interface Summary {
  n: number;
  mean: number;
  /** Sample standard deviation (divisor n − 1, as numpy's std(ddof=1)); NaN when n < 2. */
  std: number;
  min: number;
  max: number;
}

/** Summary of a list of numbers; n = 0 gives NaN everywhere. Non-finite values propagate (a NaN stays visible). */
export function summarize(values: readonly number[]): Summary {
  const n = values.length;
  if (n === 0) return { n, mean: NaN, std: NaN, min: NaN, max: NaN };
  let sum = 0;
  for (const v of values) sum += v;
  const mean = sum / n;
  let squares = 0;
  for (const v of values) squares += (v - mean) * (v - mean); // two-pass: no cancellation for close values
  return {
    n,
    mean,
    std: n < 2 ? NaN : Math.sqrt(squares / (n - 1)),
    min: Math.min(...values),
    max: Math.max(...values),
  };
}

export interface Group<Row> {
  /** The grouping fields' values, e.g. {method: 'SynFlow', density: 0.1}. */
  key: Record<string, unknown>;
  rows: Row[];
}

/** Groups rows by the values of `fields`, in order of first appearance. Values compare by canonical JSON. */
export function groupBy<Row extends object>(rows: readonly Row[], fields: readonly string[]): Group<Row>[] {
  const groups = new Map<string, Group<Row>>();
  for (const row of rows) {
    const key: Record<string, unknown> = {};
    for (const field of fields) key[field] = (row as Record<string, unknown>)[field];
    const id = JSON.stringify(fields.map((f) => key[f] ?? null));
    let group = groups.get(id);
    if (group === undefined) groups.set(id, (group = { key, rows: [] }));
    group.rows.push(row);
  }
  return [...groups.values()];
}

export interface Aggregate {
  key: Record<string, unknown>;
  summary: Summary;
}

/**
 * Mean ± sample std of `value` for each combination of `by` (e.g. by method and density, over seeds).
 * A row whose value is not a number is an error naming the row, so a typo in a field name cannot pass silently.
 */
export function aggregate<Row extends object>(
  rows: readonly Row[],
  by: readonly string[],
  value: string | ((row: Row) => number),
): Aggregate[] {
  const read = typeof value === 'function' ? value : (row: Row) => (row as Record<string, unknown>)[value];
  return groupBy(rows, by).map(({ key, rows: members }) => {
    const values = members.map((row) => {
      const v = read(row);
      if (typeof v !== 'number') {
        const label = typeof value === 'string' ? `field "${value}"` : 'value';
        throw new TypeError(`aggregate: ${label} is ${v === undefined ? 'missing' : typeof v} in row ${JSON.stringify(row)}`);
      }
      return v;
    });
    return { key, summary: summarize(values) };
  });
}
