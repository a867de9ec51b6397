// Robustness fuzz, run as a child process by test/helpers/op-fuzz-check.ts: calls every ATen operator that
// src/torch/ binds with random, mostly wrong arguments (garbage values, wrong dtypes, disposed tensors, extra
// arguments). Each call must return or throw a JavaScript Error; a C++ exception escaping the guard would abort
// the process, which the parent sees as a non-zero exit. Prints a JSON summary on the last line.
import { native } from '../../src/torch/native.js';
import * as T from '../../src/torch/index.js';
import { usedOpSchemas } from '../../src/torch/ops.js';

// `node --test dist/test/` also runs every .js under a test/ folder; without the count argument this file
// does nothing, so only op-fuzz-check.ts (which passes one) runs the fuzz.
const callsPerOp = Number(process.argv[2]);
if (!(callsPerOp > 0)) process.exit(0);
let state = 0x2545f491;
const nextRandom = () => {
  state ^= state << 13; state >>>= 0;
  state ^= state >>> 17;
  state ^= state << 5; state >>>= 0;
  return state / 4294967296;
};
const pick = <V>(items: V[]): V => items[Math.floor(nextRandom() * items.length)];

/** Every schema src/torch/ binds (its op table: aten, atenInPlace, atenNamed), so new bindings are fuzzed automatically. */
function boundOperators(): string[] {
  return usedOpSchemas().sort();
}

/** The declared type of each argument, from the schema text "aten::op(Tensor self, int[2] k=1, *, ...) -> ...". */
function argumentTypes(schema: string): string[] {
  const inner = schema.slice(schema.indexOf('(') + 1, schema.lastIndexOf(') ->'));
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of inner) {
    if (char === '(' || char === '[') depth++;
    if (char === ')' || char === ']') depth--;
    if (char === ',' && depth === 0) { parts.push(current.trim()); current = ''; } else current += char;
  }
  if (current.trim()) parts.push(current.trim());
  return parts.filter((part) => part !== '*').map((part) => part.split(' ')[0]);
}

const pool = {
  tensors: [] as unknown[],
  // Never big numbers: a wrong size must not turn into a huge allocation on a shared machine.
  numbers: [-2, -1, 0, 1, 2, 3, 0.5, -0.5, NaN, Infinity, -Infinity],
  other: [null, undefined, true, false, 'x', 'cpu', 'cuda', 'meta', '', [], [1, 2], [-1], [0.5], ['a'], [[1]], [null], {}, () => 0],
};

function makeTensors(): void {
  const disposed = T.ones([2]);
  const staleHandle = disposed.handle;
  disposed.dispose();
  pool.tensors = [
    T.randn([2, 3]), T.randn([3], { dtype: 'float64' }), T.tensor(BigInt64Array.from([0n, 1n])),
    T.ones([2, 3], { dtype: 'bool' }), T.tensor(1.5), T.zeros([0]), T.randn([1, 2, 4, 4]), T.randint(0, 3, [2, 3]),
    T.randn([2], { requiresGrad: true }), T.ones([3], { dtype: 'int32' }), staleHandle,
  ].map((item) => (item instanceof T.Tensor ? T.keep(item).handle : item));
}

function value(type: string): unknown {
  const roll = nextRandom();
  const isTensor = type.startsWith('Tensor');
  if (roll < 0.85) {
    if (isTensor && type.endsWith('[]')) return [pick(pool.tensors), pick(pool.tensors)];
    if (isTensor) return pick(pool.tensors);
    if (type.startsWith('int[') || type.startsWith('SymInt[')) return [pick([1, 2, 0, -1]), pick([1, 2])];
    if (type.startsWith('int') || type.startsWith('SymInt')) return pick([0, 1, 2, -1, 3]);
    if (type.startsWith('bool')) return pick([true, false]);
    if (type.startsWith('ScalarType')) return pick([0, 4, 6, 7, 11, 99, -1, 18]);
    return pick(pool.numbers);
  }
  if (roll < 0.9) return pick(pool.numbers);
  if (roll < 0.95) return pick(pool.other);
  return isTensor ? pick(pool.numbers) : pick([...pool.other, ...pool.numbers]);
}

makeTensors();
const summary = { operators: 0, calls: 0, returned: 0, errors: {} as Record<string, number>, nonErrors: [] as string[] };
for (const qualified of boundOperators()) {
  const dot = qualified.indexOf('.');
  const id = native.findOp('aten::' + (dot < 0 ? qualified : qualified.slice(0, dot)), dot < 0 ? '' : qualified.slice(dot + 1));
  const types = argumentTypes(native.opSchema(id));
  summary.operators++;
  for (let call = 0; call < callsPerOp; call++) {
    const count = nextRandom() < 0.1 ? types.length + 1 : Math.max(0, types.length - Math.floor(nextRandom() * 2));
    const args = Array.from({ length: count }, (_, i) => value(types[i] ?? 'int'));
    summary.calls++;
    try {
      const result = native.callOp(id, ...args);
      summary.returned++;
      T.dispose(Array.isArray(result) ? result.map((h) => (typeof h === 'number' ? new T.Tensor(h as never) : h)) :
        typeof result === 'number' && result >= 2 ** 26 ? new T.Tensor(result as never) : null);
    } catch (error) {
      if (error instanceof Error) summary.errors[error.constructor.name] = (summary.errors[error.constructor.name] ?? 0) + 1;
      else summary.nonErrors.push(`${qualified}: threw ${String(error)}`);
    }
  }
}
console.log(JSON.stringify(summary));
