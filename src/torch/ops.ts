// Lazy lookup of ATen operators by schema name; each op is found once and then called by index.
import { native } from './native.js';

export type OpCaller = (...args: unknown[]) => unknown;

/** `aten('add.Tensor')` returns a caller for ATen's add overload "Tensor"; `aten('relu')` the default one. */
export function aten(qualified: string): OpCaller {
  const dot = qualified.indexOf('.');
  const name = 'aten::' + (dot < 0 ? qualified : qualified.slice(0, dot));
  const overload = dot < 0 ? '' : qualified.slice(dot + 1);
  let id = -1;
  return (...args: unknown[]) => {
    if (id < 0) id = native.findOp(name, overload);
    return native.callOp(id, ...args);
  };
}

/** Like `aten`, for in-place ops whose result is their first argument. */
export function atenInPlace(qualified: string): (...args: unknown[]) => void {
  const dot = qualified.indexOf('.');
  const name = 'aten::' + (dot < 0 ? qualified : qualified.slice(0, dot));
  const overload = dot < 0 ? '' : qualified.slice(dot + 1);
  let id = -1;
  return (...args: unknown[]) => {
    if (id < 0) id = native.findOp(name, overload);
    native.callOpInPlace(id, ...args);
  };
}
