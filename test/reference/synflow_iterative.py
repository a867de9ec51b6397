"""Iterative SynFlow the way Synaptic-Flow runs it (prune.py's prune_loop, Pruners/pruners.py's SynFlow and
Pruner._global_mask), written from its description, not copied: for test/pruning/reference.test.ts.

Usage: /usr/bin/python3 test/reference/synflow_iterative.py IN.pt OUT.pt DENSITY ITERATIONS
IN.pt:  the state dict of a ReLU MLP with biases whose Linear layers are named "<i>.weight"/"<i>.bias"
        (a Sequential: Flatten, then Linear/ReLU alternating), plus "__input_shape__" (int64 [C, H, W]).
OUT.pt: {"<layer>.weight": 0/1 float64 mask} after the last iteration.

Each iteration: masked layers compute (mask * weight); every state-dict entry (weights, biases, masks) is
replaced by its absolute value; the summed output for an all-ones input of batch 1 is backpropagated; the score
is |weight * dR/dweight| (dR/dweight = mask * dR/dW, so pruned weights score 0); then, with the exponential
schedule density**((e + 1) / E), k = int((1 - density_e) * N) over all N weights, threshold = the k-th smallest
score (torch.kthvalue), and mask = (score > threshold): every score equal to the threshold is pruned.
float64 throughout (Synaptic-Flow itself runs float32).
"""
import sys

import torch
import torch.nn as nn


class MaskedLinear(nn.Linear):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.register_buffer('weight_mask', torch.ones_like(self.weight))

    def forward(self, x):
        return nn.functional.linear(x, self.weight_mask * self.weight, self.bias)


def build(state):
    layers = [nn.Flatten()]
    indices = sorted(int(key.split('.')[0]) for key in state if key.endswith('.weight'))
    for position, index in enumerate(indices):
        out_features, in_features = state[f'{index}.weight'].shape
        while len(layers) < index:
            layers.append(nn.ReLU())
        layers.append(MaskedLinear(in_features, out_features))
    model = nn.Sequential(*layers).double()
    with torch.no_grad():
        for index in indices:
            model[index].weight.copy_(state[f'{index}.weight'])
            model[index].bias.copy_(state[f'{index}.bias'])
    return model.eval(), indices


def synflow_scores(model, indices, input_shape):
    signs = {}
    with torch.no_grad():
        for name, tensor in model.state_dict().items():
            signs[name] = torch.sign(tensor)
            tensor.abs_()
    model.zero_grad()
    model(torch.ones([1] + input_shape, dtype=torch.float64)).sum().backward()
    scores = {index: (model[index].weight.grad * model[index].weight).detach().abs() for index in indices}
    with torch.no_grad():
        for name, tensor in model.state_dict().items():
            tensor.mul_(signs[name])
    return scores


def main():
    state = torch.load(sys.argv[1])
    density, iterations = float(sys.argv[3]), int(sys.argv[4])
    input_shape = [int(v) for v in state['__input_shape__'].tolist()]
    model, indices = build({k: v.double() for k, v in state.items() if not k.startswith('__')})
    for epoch in range(iterations):
        scores = synflow_scores(model, indices, input_shape)
        sparse = density ** ((epoch + 1) / iterations)
        flat = torch.cat([scores[index].flatten() for index in indices])
        k = int((1.0 - sparse) * flat.numel())
        if k >= 1:
            threshold, _ = torch.kthvalue(flat, k)
            with torch.no_grad():
                for index in indices:
                    model[index].weight_mask.copy_((scores[index] > threshold).double())
    torch.save({f'{index}.weight': model[index].weight_mask.clone() for index in indices}, sys.argv[2])


if __name__ == '__main__':
    main()
