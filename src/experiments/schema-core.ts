// A small declarative schema: one description per config field with its type, range and default. The same
// description validates user files (errors name the field path) and fills in defaults, and the run hash uses it
// to leave out fields that equal their default (so adding a field with a default keeps old hashes valid).

export type FieldSpec = StringField | NumberField | BooleanField | ArrayField | ObjectField | RecordField | AnyField;

interface Common {
  /** One line for --help and error messages. */
  doc?: string;
  /** A field without default is required (unless `optional`). */
  optional?: boolean;
}
export interface StringField extends Common {
  kind: 'string'; default?: string; choices?: () => readonly string[]; what?: string;
  /** Other names accepted for a choice (old spellings): the value is replaced by the name it stands for. */
  aliases?: Readonly<Record<string, string>>;
  /** Custom check: the problem (without the path) or undefined. */
  check?: (value: string) => string | undefined;
}
export interface NumberField extends Common {
  kind: 'number'; default?: number; integer?: boolean; min?: number; max?: number; minExclusive?: boolean;
}
export interface BooleanField extends Common { kind: 'boolean'; default?: boolean }
export interface ArrayField extends Common { kind: 'array'; of: FieldSpec; default?: unknown[]; minLength?: number }
export interface ObjectField extends Common { kind: 'object'; fields: Record<string, FieldSpec> }
/** Any JSON value, checked elsewhere. */
export interface AnyField extends Common { kind: 'any'; default?: unknown }
/** Free-form JSON object (e.g. model options forwarded to a constructor). */
export interface RecordField extends Common { kind: 'record'; default?: Record<string, unknown> }

/** All problems found in one config, each naming its field path; the message lists them one per line. */
export class ConfigError extends Error {
  constructor(readonly source: string, readonly problems: string[]) {
    super(`${source}: invalid config:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/** Validates `value` against `spec` and returns it with defaults filled in; throws ConfigError listing every problem. */
export function validate<T>(value: unknown, spec: FieldSpec, source: string, root = ''): T {
  const problems = collectProblems(value, spec, root);
  if (problems.length > 0) throw new ConfigError(source, problems);
  return fill(value, spec) as T;
}

/**
 * Problems of `value` against `spec`, each prefixed by its path under `root`. `partial` accepts missing fields
 * (for a layer that is merged with others before the full check).
 */
export function collectProblems(value: unknown, spec: FieldSpec, root = '', partial = false): string[] {
  const problems: string[] = [];
  check(value, spec, root, problems, partial);
  return problems;
}

function fill(value: unknown, spec: FieldSpec): unknown {
  const problems: string[] = [];
  return check(value, spec, '', problems, false);
}

function check(value: unknown, spec: FieldSpec, path: string, problems: string[], partial: boolean): unknown {
  const at = path === '' ? '(top level)' : path;
  switch (spec.kind) {
    case 'string': {
      if (typeof value !== 'string') return wrongType(problems, at, 'a string', value);
      if (spec.aliases && Object.hasOwn(spec.aliases, value)) value = spec.aliases[value];
      const choices = spec.choices?.();
      if (choices && !choices.includes(value as string)) {
        const aliases = Object.entries(spec.aliases ?? {}).map(([alias, name]) => `; ${alias} means ${name}`).join('');
        problems.push(`${at}: unknown ${spec.what ?? 'value'} ${JSON.stringify(value)} (expected one of: ${choices.join(', ')}${aliases})`);
      }
      const problem = spec.check?.(value as string);
      if (problem !== undefined) problems.push(`${at}: ${problem}`);
      return value;
    }
    case 'number': {
      if (typeof value !== 'number' || !Number.isFinite(value)) return wrongType(problems, at, spec.integer ? 'an integer' : 'a finite number', value);
      if (spec.integer && !Number.isInteger(value)) problems.push(`${at}: must be an integer, got ${value}`);
      const low = spec.min === undefined ? '' : `${spec.minExclusive ? '(' : '['}${spec.min}`;
      const high = spec.max === undefined ? '' : `${spec.max}]`;
      const range = spec.min !== undefined && spec.max !== undefined ? `${low}, ${high}` : spec.min !== undefined ? `${spec.minExclusive ? '>' : '>='} ${spec.min}` : `<= ${spec.max}`;
      const tooLow = spec.min !== undefined && (spec.minExclusive ? value <= spec.min : value < spec.min);
      const tooHigh = spec.max !== undefined && value > spec.max;
      if (tooLow || tooHigh) problems.push(`${at}: must be in ${range}, got ${value}`);
      return value;
    }
    case 'boolean':
      if (typeof value !== 'boolean') return wrongType(problems, at, 'true or false', value);
      return value;
    case 'array': {
      if (!Array.isArray(value)) return wrongType(problems, at, 'a list', value);
      if (spec.minLength !== undefined && value.length < spec.minLength) problems.push(`${at}: needs at least ${spec.minLength} entries, got ${value.length}`);
      return value.map((item, i) => check(item, spec.of, `${path}[${i}]`, problems, partial));
    }
    case 'any':
      return value;
    case 'record':
      if (!isPlainObject(value)) return wrongType(problems, at, 'an object', value);
      return value;
    case 'object': {
      if (!isPlainObject(value)) return wrongType(problems, at, 'an object', value);
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(value)) {
        if (!(key in spec.fields)) {
          problems.push(`${join(path, key)}: unknown key${suggest(key, Object.keys(spec.fields))} (allowed: ${Object.keys(spec.fields).join(', ')})`);
        }
      }
      for (const [key, field] of Object.entries(spec.fields)) {
        const child = join(path, key);
        if (value[key] === undefined) {
          if (partial) continue;
          const fallback = defaultOf(field);
          if (fallback !== undefined) out[key] = fallback;
          else if (!field.optional) problems.push(`${child}: required field is missing`);
          continue;
        }
        out[key] = check(value[key], field, child, problems, partial);
      }
      return out;
    }
  }
}

/** The default value of a field: objects default to their children's defaults when every required child has one. */
export function defaultOf(field: FieldSpec): unknown {
  if (field.kind === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(field.fields)) {
      const value = defaultOf(child);
      if (value === undefined) {
        if (!child.optional) return undefined;
        continue;
      }
      out[key] = value;
    }
    return out;
  }
  return 'default' in field && field.default !== undefined ? structuredClone(field.default) : undefined;
}

/**
 * Only the fields that differ from their defaults (objects recursively; an object left empty is dropped). Lists
 * and records compare as a whole by canonical JSON.
 */
export function nonDefaultFields(value: Record<string, unknown>, spec: ObjectField): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(spec.fields)) {
    const v = value[key];
    if (v === undefined) continue;
    if (field.kind === 'object' && isPlainObject(v)) {
      const inner = nonDefaultFields(v, field);
      if (Object.keys(inner).length > 0) out[key] = inner;
      continue;
    }
    const fallback = defaultOf(field);
    if (fallback !== undefined && canonicalJson(fallback) === canonicalJson(v)) continue;
    out[key] = v;
  }
  return out;
}

/** JSON with object keys sorted at every level and no whitespace: equal values give equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isPlainObject(value)) {
    const keys = Object.keys(value).filter((k) => value[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError(`canonicalJson: ${value} has no JSON form`);
  return JSON.stringify(value);
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Deep merge for config layering: objects merge key by key, everything else (lists included) is replaced. */
export function deepMerge(base: unknown, override: unknown): unknown {
  if (override === undefined) return structuredClone(base);
  if (isPlainObject(base) && isPlainObject(override)) {
    const out: Record<string, unknown> = structuredClone(base);
    for (const [key, value] of Object.entries(override)) out[key] = deepMerge(base[key], value);
    return out;
  }
  return structuredClone(override);
}

function join(path: string, key: string): string { return path === '' ? key : `${path}.${key}`; }

function wrongType(problems: string[], at: string, expected: string, value: unknown): unknown {
  problems.push(`${at}: expected ${expected}, got ${describe(value)}`);
  return value;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${JSON.stringify(value)}`;
}

function suggest(key: string, allowed: string[]): string {
  const close = allowed.find((a) => editDistance(a.toLowerCase(), key.toLowerCase()) <= 2);
  return close ? ` '${key}' (did you mean '${close}'?)` : ` '${key}'`;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}
