// Options every chart helper accepts, and their translation into Vega-Lite pieces.
import type { TopLevelSpec } from 'vega-lite';
import type { RenderOptions } from './render.js';

export type ScaleType = 'linear' | 'log';

export interface ChartOptions extends RenderOptions {
  title?: string;
  xTitle?: string;
  yTitle?: string;
  /** Legend title (default: none). */
  legendTitle?: string;
  /** Plot area size in SVG units (default 480 × 300). */
  width?: number;
  height?: number;
  xScale?: ScaleType;
  yScale?: ScaleType;
  /** d3-format strings for axis labels, e.g. '%' or '.0%' for densities, '.2f', '.1e'. */
  xFormat?: string;
  yFormat?: string;
}

export function frame(options: ChartOptions): Record<string, unknown> {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...(options.title === undefined ? {} : { title: options.title }),
    width: options.width ?? 480,
    height: options.height ?? 300,
  };
}

export function axis(title: string | undefined, format: string | undefined): Record<string, unknown> {
  return { title: title ?? null, ...(format === undefined ? {} : { format }) };
}

/** Log axes do not start at zero; linear axes keep Vega-Lite's default. */
export function scale(type: ScaleType | undefined, zero?: boolean): Record<string, unknown> {
  if (type === 'log') return { type: 'log', nice: false, padding: 16 };
  return zero === undefined ? {} : { zero };
}

/** Colour by series in the order the caller gave them (so legends and colours are stable across charts). */
export function seriesColor(names: readonly string[], legendTitle: string | undefined, field = 'series'): Record<string, unknown> {
  return {
    field,
    type: 'nominal',
    scale: { domain: [...names] },
    sort: [...names],
    legend: { title: legendTitle ?? null },
  };
}

export function checkSeriesNames(kind: string, names: readonly string[]): void {
  if (names.length === 0) throw new RangeError(`${kind}: no series given`);
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) throw new RangeError(`${kind}: series name ${JSON.stringify(n)} appears twice`);
    seen.add(n);
  }
}

export function checkFinite(kind: string, what: string, value: number): void {
  if (!Number.isFinite(value)) throw new RangeError(`${kind}: ${what} must be a finite number, got ${value}`);
}

/** Our specs are assembled from plain objects; vega-lite's compile() checks them when rendering. */
export function asSpec(spec: Record<string, unknown>): TopLevelSpec {
  return spec as unknown as TopLevelSpec;
}
