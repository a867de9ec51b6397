// ATen's _foreach ops: one call updates a whole list of tensors (PyTorch's optimizers use them). On the GPU a
// list is one fused kernel instead of a launch per tensor; on the CPU ATen loops over the tensors in C++, with
// the same arithmetic as the single-tensor ops, so results are bit-identical either way.
import { aten } from './ops.js';
import { Tensor, handleOf, wrap } from './tensor.js';

const A = {
  add: aten('_foreach_add.List'), add_: aten('_foreach_add_.List'), mulScalar_: aten('_foreach_mul_.Scalar'),
};

const handles = (tensors: Tensor[]): unknown[] => tensors.map((t) => handleOf(t));

function sameLength(name: string, a: Tensor[], b: Tensor[]): void {
  if (a.length !== b.length) throw new RangeError(`${name}: lists of ${a.length} and ${b.length} tensors`);
}

/** [a_i + alpha·b_i] as new tensors. */
export function foreachAdd(a: Tensor[], b: Tensor[], alpha = 1): Tensor[] {
  sameLength('foreachAdd', a, b);
  if (a.length === 0) return [];
  return (A.add(handles(a), handles(b), alpha) as unknown[]).map(wrap);
}

/** a_i += alpha·b_i, in place. */
export function foreachAdd_(a: Tensor[], b: Tensor[], alpha = 1): void {
  sameLength('foreachAdd_', a, b);
  if (a.length > 0) A.add_(handles(a), handles(b), alpha);
}

/** a_i *= factor, in place. */
export function foreachMul_(a: Tensor[], factor: number): void {
  if (a.length > 0) A.mulScalar_(handles(a), factor);
}
