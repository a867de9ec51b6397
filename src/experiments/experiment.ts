// An experiment: a base run spec, grid axes whose cross product gives the runs, optional per-scale overrides
// (cpu / full), and the report layout (tables in the paper's shape, plots). Files are JSON or YAML.
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import YAML from 'yaml';
import {
  ConfigError, canonicalJson, collectProblems, deepMerge, isPlainObject, nonDefaultFields, validate, type ObjectField,
} from './schema-core.js';
import { fileNameProblem } from '../foundations/names.js';
import { maxRunsPerExperiment } from '../foundations/limits.js';
import { methodLabel, runSchema, type RunSpec } from './run-spec.js';
import { findMethod, inputSourceAliases } from '../pruning/index.js';

export const scales = ['quick', 'cpu', 'full'] as const;
export type Scale = (typeof scales)[number];

export interface TableSpec {
  title: string;
  /** Run fields labelling each row (one leading column each), e.g. ['model', 'density']. */
  rows: string[];
  /** The field whose values become columns, e.g. 'method'. */
  columns: string;
  /** The summarized result field (default testAccuracy). */
  value: string;
  /** Only runs whose fields equal these values (e.g. {dataset: 'cifar10'}). */
  filter: Record<string, unknown>;
  /** Preferred order of key values per field (e.g. the paper's column order of methods). */
  order: Record<string, unknown[]>;
  /** Multiply values (100: fractions → percent, as the paper prints accuracies). */
  scale: number;
  digits: number;
  highlight: 'row' | 'column' | 'none';
}

export interface PlotSpec {
  kind: 'accuracy-vs-density' | 'weight-histogram' | 'score-histogram' | 'mask-norms' | 'random-mask-norms';
  title: string;
  filter: Record<string, unknown>;
}

export interface ReportSpec { tables: TableSpec[]; plots: PlotSpec[] }

export interface Experiment {
  name: string;
  title: string;
  description: string;
  scale: Scale;
  /** What the chosen scale is expected to cost, as the preset states it (with runSeconds, when measured). */
  estimate: string;
  /**
   * Measured wall seconds of one run with one torch thread on an idle core (the preset's `runSeconds`; 0 when
   * not measured). Every time estimate (help, start line, ETA before the first run ends) comes from it.
   */
  runSeconds: number;
  runs: PlannedRun[];
  report: ReportSpec;
}

export interface PlannedRun {
  spec: RunSpec;
  /** Hash of the canonical JSON of the spec's non-default fields. */
  hash: string;
  /** Human-readable, e.g. "lenet300-fashion-mnist-synflow-rand-mask-d0.1-s0". */
  name: string;
  /** Table label of the pruning method. */
  method: string;
  /** Directory name under the experiment's output directory: `<name>-<hash>`. */
  dirName: string;
}

const tableSchema: ObjectField = {
  kind: 'object',
  fields: {
    title: { kind: 'string', default: '' },
    rows: { kind: 'array', of: { kind: 'string' }, default: ['dataset', 'model', 'density'] },
    columns: { kind: 'string', default: 'method' },
    value: { kind: 'string', default: 'testAccuracy' },
    filter: { kind: 'record', default: {} },
    order: { kind: 'record', default: {} },
    scale: { kind: 'number', default: 100 },
    digits: { kind: 'number', integer: true, min: 0, max: 10, default: 2 },
    highlight: { kind: 'string', default: 'row', choices: () => ['row', 'column', 'none'], what: 'highlight' },
  },
};
const plotKinds = ['accuracy-vs-density', 'weight-histogram', 'score-histogram', 'mask-norms', 'random-mask-norms'];
const plotSchema: ObjectField = {
  kind: 'object',
  fields: {
    kind: { kind: 'string', choices: () => plotKinds, what: 'plot kind' },
    title: { kind: 'string', default: '' },
    filter: { kind: 'record', default: {} },
  },
};
const reportSchema: ObjectField = {
  kind: 'object',
  fields: {
    tables: { kind: 'array', of: tableSchema, default: [] },
    plots: { kind: 'array', of: plotSchema, default: [] },
  },
};
const layerFields = {
  base: { kind: 'record', default: {} },
  grid: { kind: 'any', default: {} },
  estimate: { kind: 'string', default: '' },
  runSeconds: { kind: 'number', min: 0, default: 0 },
} as const;
const experimentSchema: ObjectField = {
  kind: 'object',
  fields: {
    name: { kind: 'string', check: fileNameProblem },
    title: { kind: 'string', default: '' },
    description: { kind: 'string', default: '' },
    ...layerFields,
    scales: {
      kind: 'object',
      // runSeconds has no default in a scale: absent means "as measured at the top level" only for cpu.
      fields: Object.fromEntries(scales.map((s) => [s, { kind: 'object', optional: true, fields: { ...layerFields, runSeconds: { kind: 'number', min: 0, optional: true } } } as const])),
    },
    report: reportSchema,
  },
};

/** Reads a JSON (.json) or YAML (.yaml/.yml) file; syntax errors name the file and position. */
export function readConfigFile(file: string): unknown {
  if (!fs.existsSync(file)) throw new ConfigError(file, ['no such file']);
  const text = fs.readFileSync(file, 'utf8');
  const ext = path.extname(file).toLowerCase();
  try {
    if (ext === '.json') return JSON.parse(text);
    if (ext === '.yaml' || ext === '.yml') return YAML.parse(text);
  } catch (error) {
    throw new ConfigError(file, [`cannot parse ${ext.slice(1).toUpperCase()}: ${(error as Error).message}`]);
  }
  throw new ConfigError(file, [`unknown config extension '${ext}' (expected .json, .yaml or .yml)`]);
}

export function loadExperiment(file: string, scale: Scale = 'cpu'): Experiment {
  return buildExperiment(readConfigFile(file), file, scale);
}

/**
 * Validates an experiment object and expands it into runs. Problems name the path as written in the file
 * (e.g. `grid.pruning[1].method`); a run that is incomplete after merging names the run.
 */
export function buildExperiment(raw: unknown, source: string, scale: Scale = 'cpu'): Experiment {
  const file = validate<Record<string, unknown>>(raw, experimentSchema, source);
  const problems: string[] = [];
  const layers: [string, Record<string, unknown>][] = [['', file]];
  // Validation fills an absent optional scale with empty defaults, so whether the file declares the scale is read
  // from the raw input. The top level is the cpu scale; any other scale must be written out: asking for one that
  // is missing is an error, never a silent fallback to the cpu runs.
  const offered = availableScales(raw as Record<string, unknown>);
  if (!offered.includes(scale)) {
    throw new ConfigError(source, [`no '${scale}' scale: this experiment has ${offered.join(', ')} (scales.${scale} is missing)`]);
  }
  const declared = (raw as { scales?: Record<string, unknown> }).scales?.[scale] !== undefined;
  const scaleLayer = declared ? (file.scales as Record<string, Record<string, unknown>>)[scale] : undefined;
  if (scaleLayer) layers.push([`scales.${scale}.`, scaleLayer]);
  for (const [prefix, layer] of layers) {
    problems.push(...collectProblems(layer.base, runSchema, `${prefix}base`, true));
    const grids = Array.isArray(layer.grid) ? layer.grid : [layer.grid];
    grids.forEach((grid, g) => {
      const gridAt = Array.isArray(layer.grid) ? `${prefix}grid[${g}]` : `${prefix}grid`;
      if (!isPlainObject(grid)) {
        problems.push(`${gridAt}: expected an object of axes (run field: list of values), got ${JSON.stringify(grid)}`);
        return;
      }
      for (const [axis, values] of Object.entries(grid)) {
        const at = `${gridAt}.${axis}`;
        const field = runSchema.fields[axis];
        if (!field) {
          problems.push(`${at}: unknown key '${axis}' (grid axes are run fields: ${Object.keys(runSchema.fields).join(', ')})`);
          continue;
        }
        if (!Array.isArray(values) || values.length === 0) {
          problems.push(`${at}: expected a non-empty list of values, got ${JSON.stringify(values)}`);
          continue;
        }
        values.forEach((v, i) => problems.push(...collectProblems(v, field, `${at}[${i}]`, true)));
      }
    });
  }
  if (problems.length > 0) throw new ConfigError(source, problems);

  const base = deepMerge(file.base, scaleLayer?.base) as Record<string, unknown>;
  // The top-level runSeconds is the cpu scale's; another scale without its own measurement has none (the cpu
  // cost says nothing about the full scale).
  const runSeconds = (scaleLayer?.runSeconds as number | undefined) ?? (scale === 'cpu' ? (file.runSeconds as number) : 0);
  const grids = gridList(file.grid, scaleLayer?.grid);
  // Count before expanding: a 10^9-run grid must be refused, not listed until memory runs out.
  const count = grids.reduce((sum, grid) => sum + Object.values(grid).reduce((product, values) => product * values.length, 1), 0);
  if (count > maxRunsPerExperiment) {
    throw new ConfigError(source, [`grid: expands to ${count.toLocaleString('en-US')} runs, more than the limit of ` +
      `${maxRunsPerExperiment.toLocaleString('en-US')}; split the experiment or use fewer values per axis`]);
  }
  const runs: PlannedRun[] = [];
  const seen = new Set<string>();
  for (const combination of grids.flatMap(expandGrid)) {
    let merged: unknown = base;
    for (const [axis, value] of Object.entries(combination)) merged = deepMerge(merged, { [axis]: value });
    const runProblems = collectProblems(merged, runSchema);
    if (runProblems.length > 0) {
      const where = Object.entries(combination).map(([k, v]) => `${k}=${canonicalJson(v)}`).join(', ');
      throw new ConfigError(source, runProblems.map((p) => `run {${where || 'base'}}: ${p}`));
    }
    const planned = planRun(validate<RunSpec>(merged, runSchema, source));
    if (seen.has(planned.hash)) continue; // the same run listed twice is run once
    seen.add(planned.hash);
    runs.push(planned);
  }
  return {
    name: file.name as string,
    title: file.title as string,
    description: file.description as string,
    scale,
    estimate: describeCost((scaleLayer?.estimate as string | undefined) || (file.estimate as string), runs.length, runSeconds),
    runSeconds,
    runs,
    report: file.report as ReportSpec,
  };
}

/** The scales an experiment file offers: cpu (its top level) and those under `scales`. */
export function availableScales(file: Record<string, unknown>): Scale[] {
  const declared = isPlainObject(file) && isPlainObject(file.scales) ? file.scales : {};
  return scales.filter((scale) => scale === 'cpu' || declared[scale] !== undefined);
}

/**
 * The grids to expand: `grid` is one grid (object of axes) or a list of grids whose runs are joined (for
 * settings that differ between blocks, e.g. IMP's rewind point per model). A scale's object grid overrides the
 * named axes of every grid; a scale's list replaces them.
 */
function gridList(fileGrid: unknown, scaleGrid: unknown): Record<string, unknown[]>[] {
  const base = (Array.isArray(fileGrid) ? fileGrid : [fileGrid]) as Record<string, unknown[]>[];
  if (scaleGrid === undefined) return base;
  if (Array.isArray(scaleGrid)) return scaleGrid as Record<string, unknown[]>[];
  return base.map((grid) => ({ ...grid, ...(scaleGrid as Record<string, unknown[]>) }));
}

/** Cross product of the axes, in order: the first axis varies slowest. No axes → one empty combination. */
export function expandGrid(grid: Record<string, readonly unknown[]>): Record<string, unknown>[] {
  let combinations: Record<string, unknown>[] = [{}];
  for (const [axis, values] of Object.entries(grid)) {
    combinations = combinations.flatMap((c) => values.map((v) => ({ ...c, [axis]: v })));
  }
  return combinations;
}

/** Hash (16 hex digits of SHA-256) of the canonical JSON of the spec's non-default fields. */
export function runHash(spec: RunSpec): string {
  const fields = hashedFields(spec);
  // A method whose runs changed meaning declares a revision (IMP: 2, the ticket starts from the rewind point and
  // random data is a fixed set): a new hash, so a runs directory never passes off an old result as a new one
  const revision = spec.pruning.method === 'none' ? undefined : findMethod(spec.pruning.method).revision;
  if (revision !== undefined) fields[`${spec.pruning.method}Revision`] = revision;
  return createHash('sha256').update(canonicalJson(fields)).digest('hex').slice(0, 16);
}

/** The fields that identify a run: those that differ from the schema's defaults. */
export function hashedFields(spec: RunSpec): Record<string, unknown> {
  const fields = nonDefaultFields(spec as unknown as Record<string, unknown>, runSchema);
  // Runs were hashed while experiment files called the labelled data 'data' (now an alias of 'real'): an input
  // source is hashed under its old name, so those runs keep their hashes.
  const pruning = fields.pruning as Record<string, unknown> | undefined;
  const oldName = Object.entries(inputSourceAliases).find(([, name]) => name === pruning?.input)?.[0];
  if (pruning && oldName !== undefined) pruning.input = oldName;
  return fields;
}

export function planRun(spec: RunSpec): PlannedRun {
  const hash = runHash(spec);
  const method = methodLabel(spec.pruning);
  const name = [spec.model, spec.dataset, slug(method), `d${spec.density}`, `s${spec.seed}`].join('-');
  return { spec, hash, name, method, dirName: `${name}-${hash}` };
}

function slug(text: string): string {
  return text.toLowerCase().replace(/χ/g, 'chi').replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

export { isPlainObject };

/** The preset's description of the work, plus the measured cost: "…; measured 23 s per run, 14 min of runs in all". */
function describeCost(text: string, runs: number, runSeconds: number): string {
  if (!(runSeconds > 0)) return text;
  return `${text}${text ? '; ' : ''}measured ${formatDuration(runSeconds)} per run (one thread, idle core), ${formatDuration(runs * runSeconds)} of runs in all`;
}

/** Expected wall time of the runs still to do, from the measured cost: runs share `workers` lanes (at most the cores). */
export function expectedSeconds(experiment: Pick<Experiment, 'runSeconds'>, runs: number, workers: number, cores: number): number | undefined {
  if (!(experiment.runSeconds > 0)) return undefined;
  const lanes = Math.max(1, Math.min(workers, cores, runs));
  return (runs * experiment.runSeconds) / lanes;
}

/** "45 s", "7 min", "1.5 h", "3.2 days" */
export function formatDuration(seconds: number): string {
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min`;
  if (seconds < 36 * 3600) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86400).toFixed(1)} days`;
}
