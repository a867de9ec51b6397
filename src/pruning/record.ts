// The record of a pruning run (what was asked, what came out, how long it took), saving masks with it, and the
// per-layer density table.
import { MaskSet } from '../nn/index.js';
import { tidy } from '../torch/index.js';

export interface LayerRecord { name: string; shape: number[]; kept: number; total: number; density: number }

export interface PruneRecord {
  method: string;
  /** Every option that shaped the masks (selection, scope, schedule, iterations, input, …). */
  options: Record<string, unknown>;
  seed: number;
  /** The density asked for. */
  targetDensity: number;
  /** Kept / total over all prunable weights. */
  density: number;
  kept: number;
  total: number;
  layers: LayerRecord[];
  /** Algorithm 1's draws s at the last iteration (selection 'sketch'); the kept count can be below it. */
  sketchBudget?: number;
  /** Whether masks hold only 0 and 1 (false for Algorithm 1's scaled values). */
  binary: boolean;
  timing: { totalMs: number; scoringMs: number; selectionMs: number; trainingMs?: number; iterations: number };
  createdAt: string;
}

/**
 * Layers the masks prune completely (layer collapse): the network's output then no longer depends on its input
 * and training cannot recover. Extreme densities (e.g. 1e-7) cause it.
 */
export function collapsedLayers(record: Pick<PruneRecord, 'layers'>): string[] {
  return record.layers.filter((layer) => layer.kept === 0 && layer.total > 0).map((layer) => layer.name);
}

export function collapseWarning(record: Pick<PruneRecord, 'layers'>): string | null {
  const collapsed = collapsedLayers(record);
  if (collapsed.length === 0) return null;
  return `warning: ${collapsed.length} layer${collapsed.length > 1 ? 's keep' : ' keeps'} no weights (${collapsed.join(', ')}): ` +
    'the network is disconnected (layer collapse) and cannot learn; use a higher density';
}

/** Per-layer kept counts of a mask set. */
export function layerRecords(masks: MaskSet): LayerRecord[] {
  return masks.entries().map(([name, mask]) => {
    const kept = tidy(() => mask.ne(0).sum().item());
    return { name, shape: mask.shape, kept, total: mask.numel, density: kept / mask.numel };
  });
}

export function summarize(masks: MaskSet): Pick<PruneRecord, 'layers' | 'kept' | 'total' | 'density' | 'binary'> {
  const layers = layerRecords(masks);
  const kept = layers.reduce((sum, layer) => sum + layer.kept, 0);
  const total = layers.reduce((sum, layer) => sum + layer.total, 0);
  return { layers, kept, total, density: total === 0 ? 0 : kept / total, binary: masks.isBinary() };
}

export const RECORD_METADATA_KEY = 'sketchprune.pruning';

/**
 * Writes the masks as safetensors with the record as JSON metadata, and with `pt` also as a .pt next to it
 * (FILE with .safetensors replaced by .pt) that torch.load reads as {parameter name: mask}. Returns the paths.
 */
export function saveMasks(masks: MaskSet, record: PruneRecord, file: string, options: { pt?: boolean } = {}): string[] {
  const onCpu = masks.entries().every(([, mask]) => mask.device === 'cpu')
    ? masks : new MaskSet(masks.entries().map(([name, mask]) => [name, mask.to('cpu')]));
  try {
    onCpu.save(file, { [RECORD_METADATA_KEY]: JSON.stringify(record), format: 'sketchprune-masks' });
    if (options.pt) onCpu.savePt(ptFileFor(file));
  } finally {
    if (onCpu !== masks) onCpu.dispose();
  }
  return options.pt ? [file, ptFileFor(file)] : [file];
}

const ptFileFor = (file: string): string =>
  file.endsWith('.safetensors') ? `${file.slice(0, -'.safetensors'.length)}.pt` : `${file}.pt`;

/** Reads masks saved by saveMasks, with their record (null when the file has none). */
export function loadMasks(file: string): { masks: MaskSet; record: PruneRecord | null } {
  const { masks, metadata } = MaskSet.load(file);
  const text = metadata[RECORD_METADATA_KEY];
  return { masks, record: text ? JSON.parse(text) as PruneRecord : null };
}

const percent = (value: number): string => `${(100 * value).toFixed(value < 0.001 && value > 0 ? 4 : 2)}%`;

/** A plain-text table: one row per layer (name, shape, kept, total, density) and the overall row. */
export function formatDensityTable(record: Pick<PruneRecord, 'layers' | 'kept' | 'total' | 'density'>): string {
  const rows = record.layers.map((layer) => [layer.name, `[${layer.shape.join('×')}]`, String(layer.kept), String(layer.total), percent(layer.density)]);
  rows.push(['total', '', String(record.kept), String(record.total), percent(record.density)]);
  const header = ['layer', 'shape', 'kept', 'total', 'density'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  const line = (cells: string[]): string => cells.map((cell, column) =>
    column >= 2 ? cell.padStart(widths[column]) : cell.padEnd(widths[column])).join('  ').trimEnd();
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  return [line(header), rule, ...rows.slice(0, -1).map(line), rule, line(rows[rows.length - 1])].join('\n');
}
