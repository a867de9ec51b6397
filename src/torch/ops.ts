// Lazy lookup of ATen operators by schema name; each op is found once and then called by index.
import { native } from './native.js';

export type OpCaller = (...args: unknown[]) => unknown;

/** Returns a function giving the addon's index of 'name.overload' (looked up on first use, then cached). */
function lazyOpId(qualified: string): () => number {
  const dot = qualified.indexOf('.');
  const name = 'aten::' + (dot < 0 ? qualified : qualified.slice(0, dot));
  const overload = dot < 0 ? '' : qualified.slice(dot + 1);
  let id = -1;
  return () => (id >= 0 ? id : (id = native.findOp(name, overload)));
}

/** `aten('add.Tensor')` returns a caller for ATen's add overload "Tensor"; `aten('relu')` the default one. */
export function aten(qualified: string): OpCaller {
  const opId = lazyOpId(qualified);
  return (...args: unknown[]) => native.callOp(opId(), ...args);
}

/** Like `aten`, for in-place ops whose result is their first argument. */
export function atenInPlace(qualified: string): (...args: unknown[]) => void {
  const opId = lazyOpId(qualified);
  return (...args: unknown[]) => native.callOpInPlace(opId(), ...args);
}
