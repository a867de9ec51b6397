// Tensor lifetimes, after TensorFlow.js: tidy(fn) frees every tensor made inside except what fn returns and
// what was kept; dispose() frees at once; the GC finalizer in the addon is only a safety net.

export interface Disposable {
  dispose(): void;
  readonly isDisposed: boolean;
  kept: boolean;
  /** Called once no scope owns the item (made outside tidy, kept, or returned from the outermost tidy). */
  unowned?(): void;
}

const scopes: Disposable[][] = [];

/** Called by every new tensor: the innermost tidy owns it. */
export function track<T extends Disposable>(item: T): T {
  const scope = scopes[scopes.length - 1];
  if (scope) scope.push(item);
  else item.unowned?.();
  return item;
}

/** Marks a tensor so that no enclosing tidy frees it; its owner must dispose it. */
export function keep<T extends Disposable>(item: T): T {
  item.kept = true;
  item.unowned?.();
  return item;
}

function collect(value: unknown, into: Set<Disposable>, depth = 0): void {
  if (value === null || value === undefined || typeof value !== 'object' || depth > 4) return;
  if (typeof (value as Disposable).dispose === 'function' && 'kept' in (value as object)) {
    into.add(value as Disposable);
    return;
  }
  if (Array.isArray(value)) for (const item of value) collect(item, into, depth + 1);
  else if (value instanceof Map) for (const item of value.values()) collect(item, into, depth + 1);
  else if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const item of Object.values(value as object)) collect(item, into, depth + 1);
  }
}

/**
 * Runs fn and frees every tensor it created, except the tensors in its result (a tensor, or arrays/plain
 * objects/maps of them) and kept tensors. The survivors belong to the enclosing scope. fn must be synchronous.
 */
export function tidy<T>(fn: () => T): T {
  const scope: Disposable[] = [];
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
    if (result instanceof Promise) throw new Error('tidy(fn): fn must be synchronous (it returned a Promise)');
  } catch (error) {
    scopes.pop();
    for (const item of scope) if (!item.kept) item.dispose();
    throw error;
  }
  scopes.pop();
  const survivors = new Set<Disposable>();
  collect(result, survivors);
  const parent = scopes[scopes.length - 1];
  for (const item of scope) {
    if (survivors.has(item)) {
      if (parent) parent.push(item);
      else item.unowned?.();
    } else if (!item.kept) {
      item.dispose();
    }
  }
  return result;
}

/** Frees the tensors in a value (a tensor, or arrays/objects of them). */
export function dispose(value: unknown): void {
  const items = new Set<Disposable>();
  collect(value, items);
  for (const item of items) item.dispose();
}
