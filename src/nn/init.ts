// Weight initialisation as the reference pruning code does it (Kaiming normal for conv/linear weights).
import { Tensor, noGrad } from '../torch/index.js';

/** fan_in and fan_out of a conv or linear weight ([out, in, ...kernel]). */
export function fans(weight: Tensor): { fanIn: number; fanOut: number } {
  const [out, inp, ...kernel] = weight.shape;
  const receptive = kernel.reduce((a, b) => a * b, 1);
  return { fanIn: inp * receptive, fanOut: out * receptive };
}

/** N(0, 2/fan) in place: PyTorch's kaiming_normal_ with nonlinearity='relu'. */
export function kaimingNormal_(weight: Tensor, mode: 'fan_in' | 'fan_out' = 'fan_in'): Tensor {
  const { fanIn, fanOut } = fans(weight);
  const std = Math.sqrt(2 / (mode === 'fan_in' ? fanIn : fanOut));
  noGrad(() => weight.normal_(0, std));
  return weight;
}

/** PyTorch's default nn.Linear/nn.Conv2d init: U(-1/√fan_in, 1/√fan_in) for weight (a=√5 Kaiming) and bias. */
export function pytorchDefault_(weight: Tensor, bias: Tensor | null): void {
  const bound = 1 / Math.sqrt(fans(weight).fanIn);
  noGrad(() => {
    weight.uniform_(-bound, bound);
    bias?.uniform_(-bound, bound);
  });
}
