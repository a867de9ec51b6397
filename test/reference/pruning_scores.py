"""PyTorch reference for test/pruning/reference.test.ts: SNIP, GraSP and SynFlow scores computed as
Synaptic-Flow defines them (written from its formulas, not copied from it), in float64 on identical weights.

Usage: /usr/bin/python3 test/reference/pruning_scores.py IN.pt OUT.pt
IN.pt:  the model's state dict plus "__inputs_<b>__" and "__labels_<b>__" for each batch b.
OUT.pt: {"<method>/<parameter name>": scores} for method in snip, grasp, synflow.

- SNIP differentiates the loss, summed over the batches, with respect to multiplicative masks m (all ones)
  on the weights (torch.nn.utils.parametrize), then takes |dL/dm|.
- GraSP: g = sum_b grad L_b (no graph, logits / 200), then sum_b backward of (g . grad L_b) with a graph, and
  score = weight * accumulated gradient (Hg).
- SynFlow: every state-dict entry replaced by its absolute value, input ones [1, C, H, W], backward of the
  summed output, score = |weight * grad|.
All in eval mode (batch norm uses running statistics), as Synaptic-Flow's default.
"""
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.nn.utils.parametrize as parametrize


def build():
    return nn.Sequential(
        nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(4, 6, 3, padding=1, bias=False), nn.BatchNorm2d(6), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
        nn.Flatten(), nn.Linear(6, 5))


def load(state):
    model = build().double()
    model.load_state_dict({k: v for k, v in state.items() if not k.startswith('__')})
    return model.eval()


def prunable(model):
    return [(f'{name}.weight', module) for name, module in model.named_modules()
            if isinstance(module, (nn.Conv2d, nn.Linear))]


def batches(state):
    count = sum(1 for key in state if key.startswith('__inputs_'))
    return [(state[f'__inputs_{b}__'].double(), state[f'__labels_{b}__'].long()) for b in range(count)]


class MaskTimes(nn.Module):
    def __init__(self, mask):
        super().__init__()
        self.mask = mask

    def forward(self, weight):
        return weight * self.mask


def snip(state):
    model = load(state)
    masks = {}
    for name, module in prunable(model):
        masks[name] = torch.ones_like(module.weight, requires_grad=True)
        parametrize.register_parametrization(module, 'weight', MaskTimes(masks[name]))
    for inputs, labels in batches(state):
        F.cross_entropy(model(inputs), labels).backward()
    return {name: mask.grad.abs() for name, mask in masks.items()}


def grasp(state, temperature=200.0):
    model = load(state)
    weights = [module.weight for _, module in prunable(model)]
    stopped = [torch.zeros_like(w) for w in weights]
    for inputs, labels in batches(state):
        grads = torch.autograd.grad(F.cross_entropy(model(inputs) / temperature, labels), weights)
        stopped = [s + g for s, g in zip(stopped, grads)]
    for inputs, labels in batches(state):
        grads = torch.autograd.grad(F.cross_entropy(model(inputs) / temperature, labels), weights, create_graph=True)
        sum(((s * g).sum() for s, g in zip(stopped, grads))).backward()
    return {name: module.weight.grad * module.weight.data for name, module in prunable(model)}


def synflow(state):
    model = load(state)
    with torch.no_grad():
        for tensor in model.state_dict().values():
            if tensor.is_floating_point():
                tensor.abs_()
    shape = state['__inputs_0__'].shape[1:]
    model(torch.ones((1,) + tuple(shape), dtype=torch.float64)).sum().backward()
    return {name: (module.weight.grad * module.weight).detach().abs() for name, module in prunable(model)}


def main():
    state = torch.load(sys.argv[1], weights_only=False)
    out = {}
    for method, scorer in (('snip', snip), ('grasp', grasp), ('synflow', synflow)):
        for name, scores in scorer(state).items():
            out[f'{method}/{name}'] = scores.detach().contiguous()
    torch.save(out, sys.argv[2])


if __name__ == '__main__':
    main()
