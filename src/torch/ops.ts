// ATen operators by schema name ('name.overload'). Every aten(…) caller the TS code makes is recorded in one table,
// looked up in libtorch on first use (then called by index), and `resolveAllOps()` looks them all up at once, so
// a test finds a schema missing from another libtorch at start rather than mid-run.
import { native } from './native.js';

export type OpCaller = (...args: unknown[]) => unknown;

/** Every schema the TS code uses ('add.Tensor', 'relu', …) -> its addon index, looked up on first use. */
const opTable = new Map<string, () => number>();

/** A function giving the addon's index of 'name.overload' (looked up on first use, then cached). */
function lazyOpId(qualified: string): () => number {
  const dot = qualified.indexOf('.');
  const name = 'aten::' + (dot < 0 ? qualified : qualified.slice(0, dot));
  const overload = dot < 0 ? '' : qualified.slice(dot + 1);
  let id = -1;
  return () => (id >= 0 ? id : (id = native.findOp(name, overload)));
}

/** lazyOpId, recorded in (and shared through) the op table. */
function opId(qualified: string): () => number {
  let lookup = opTable.get(qualified);
  if (lookup === undefined) opTable.set(qualified, (lookup = lazyOpId(qualified)));
  return lookup;
}

/** `aten('add.Tensor')` returns a caller for ATen's add overload "Tensor"; `aten('relu')` the default one. */
export function aten(qualified: string): OpCaller {
  const id = opId(qualified);
  return (...args: unknown[]) => native.callOp(id(), ...args);
}

/** Like `aten`, for in-place ops whose result is their first argument. */
export function atenInPlace(qualified: string): (...args: unknown[]) => void {
  const id = opId(qualified);
  return (...args: unknown[]) => native.callOpInPlace(id(), ...args);
}

/**
 * Like `aten`, with the arguments named as in the ATen schema (`{ input, weight, stride, groups }`); an argument
 * left out takes the schema's default. An unknown name is a TypeError listing the schema's arguments.
 */
export function atenNamed(qualified: string): (args: Record<string, unknown>) => unknown {
  const id = opId(qualified);
  let positions: Map<string, number> | undefined;
  return (args: Record<string, unknown>) => {
    positions ??= new Map(schemaArgumentNames(native.opSchema(id())).map((name, index) => [name, index]));
    const positional: unknown[] = new Array(positions.size);
    for (const key in args) {
      const index = positions.get(key);
      if (index === undefined) {
        throw new TypeError(`aten::${qualified}: no argument '${key}' (arguments: ${[...positions.keys()].join(', ')})`);
      }
      positional[index] = args[key];
    }
    return native.callOp(id(), ...positional);
  };
}

/**
 * The argument names of a schema as libtorch prints it:
 * 'aten::conv2d(Tensor input, Tensor weight, Tensor? bias=None, int[2] stride=1, …) -> Tensor' -> ['input', …].
 */
export function schemaArgumentNames(schema: string): string[] {
  const open = schema.indexOf('(');
  const names: string[] = [];
  let depth = 0;
  let start = open + 1;
  for (let i = start; i < schema.length; i++) {
    const c = schema[i];
    if (c === '(' || c === '[') depth++;
    else if ((c === ')' || c === ']') && depth > 0) depth--;
    else if (depth === 0 && (c === ',' || c === ')')) {
      const declaration = schema.slice(start, i).split('=')[0].trim();
      if (declaration !== '' && declaration !== '*') names.push(declaration.slice(declaration.lastIndexOf(' ') + 1));
      start = i + 1;
      if (c === ')') break;
    }
  }
  return names;
}

/** The schemas the loaded TS code uses ('add.Tensor', …), in the order first made. */
export function usedOpSchemas(): string[] {
  return [...opTable.keys()];
}

/**
 * Looks up every used schema (or the given ones) in this libtorch now; throws one Error naming all that are
 * missing.
 */
export function resolveAllOps(schemas: string[] = usedOpSchemas()): void {
  const missing: string[] = [];
  for (const schema of schemas) {
    try {
      (opTable.get(schema) ?? lazyOpId(schema))();
    } catch (error) {
      missing.push(`${schema} (${(error as Error).message})`);
    }
  }
  if (missing.length > 0) throw new Error(`this libtorch lacks ${missing.length} ATen schema(s) sketchprune uses: ${missing.join('; ')}`);
}
