"""Reference timing for bench/pruning.ts: pruning at initialization the way Synaptic-Flow does it (written from
its published approach, not copied): masked layers multiply a weight_mask buffer into every forward, every
iteration re-scores the whole model in float32 (SynFlow: sign + abs_ over the whole state dict, a forward on a
ones batch from next(iter(loader)), |grad * weight| per layer, signs restored), then one global threshold via
torch.cat + kthvalue and torch.where per layer.

Usage: python3 bench/reference/pruning.py --model vgg19|resnet20 --method synflow|snip|grasp --density D
         [--iterations K] [--batch-size B] [--threads N] [--weights IN.pt] [--masks-out OUT.pt] [--device cpu|cuda]
--weights loads the TypeScript side's initial state dict (same names) and, for SNIP/GraSP, its scoring batch
(__inputs__, __labels__), so the masks can be compared.
Prints JSON: {"seconds", "kept", "total", "torch", "threads"}.
"""
import argparse
import json
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

from resnet import ResNet20


class Masked:
    """weight_mask (and bias_mask) buffers, multiplied into the weights on every forward."""
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.register_buffer('weight_mask', torch.ones_like(self.weight))
        if self.bias is not None:
            self.register_buffer('bias_mask', torch.ones_like(self.bias))

    def masked(self):
        return self.weight_mask * self.weight, self.bias_mask * self.bias if self.bias is not None else None


class MaskedConv2d(Masked, nn.Conv2d):
    def forward(self, x):
        return self._conv_forward(x, *self.masked())


class MaskedLinear(Masked, nn.Linear):
    def forward(self, x):
        return F.linear(x, *self.masked())


class ConvBnRelu(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv = MaskedConv2d(cin, cout, 3, padding=1)
        self.bn = nn.BatchNorm2d(cout)

    def forward(self, x):
        return F.relu(self.bn(self.conv(x)))


class Vgg19(nn.Module):
    plan = [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 256, 'M', 512, 512, 512, 512, 'M', 512, 512, 512, 512]

    def __init__(self, classes=10):
        super().__init__()
        modules, channels = [], 3
        for spec in self.plan:
            if spec == 'M':
                modules.append(nn.MaxPool2d(2))
            else:
                modules.append(ConvBnRelu(channels, spec))
                channels = spec
        self.layers = nn.Sequential(*modules)
        self.fc = MaskedLinear(512, classes)

    def forward(self, x):
        return self.fc(F.adaptive_avg_pool2d(self.layers(x), 1).flatten(1))


def masked_resnet20(classes=10):
    return ResNet20(classes, conv=MaskedConv2d, linear=MaskedLinear)


def masked_parameters(model):
    for module in model.modules():
        if isinstance(module, (MaskedConv2d, MaskedLinear)):
            yield module.weight_mask, module.weight


class Pruner:
    def __init__(self, model):
        self.masked = list(masked_parameters(model))
        self.scores = {}

    def global_mask(self, density):
        scores = torch.cat([torch.flatten(v) for v in self.scores.values()])
        k = int((1.0 - density) * scores.numel())
        if k >= 1:
            threshold, _ = torch.kthvalue(scores, k)
            for mask, param in self.masked:
                score = self.scores[id(param)]
                zero = torch.tensor([0.0], device=mask.device)
                one = torch.tensor([1.0], device=mask.device)
                mask.copy_(torch.where(score <= threshold, zero, one))


class SynFlow(Pruner):
    def score(self, model, loss, loader):
        with torch.no_grad():
            signs = {}
            for name, tensor in model.state_dict().items():
                signs[name] = torch.sign(tensor)
                tensor.abs_()
        data, _ = next(iter(loader))
        output = model(torch.ones([1] + list(data[0].shape), device=data.device))
        torch.sum(output).backward()
        for _, p in self.masked:
            self.scores[id(p)] = torch.clone(p.grad * p).detach().abs_()
            p.grad.data.zero_()
        with torch.no_grad():
            for name, tensor in model.state_dict().items():
                tensor.mul_(signs[name])


class Snip(Pruner):
    def score(self, model, loss, loader):
        for mask, _ in self.masked:
            mask.requires_grad = True
        for data, target in loader:
            loss(model(data), target).backward()
        for mask, p in self.masked:
            self.scores[id(p)] = torch.clone(mask.grad).detach().abs_()
            p.grad.data.zero_()
            mask.grad.data.zero_()
            mask.requires_grad = False
        total = torch.sum(torch.cat([torch.flatten(v) for v in self.scores.values()]))
        for _, p in self.masked:
            self.scores[id(p)].div_(total)


class Grasp(Pruner):
    def score(self, model, loss, loader, temperature=200.0):
        weights = [p for _, p in self.masked]
        stopped = 0
        for data, target in loader:
            grads = torch.autograd.grad(loss(model(data) / temperature, target), weights)
            stopped += torch.cat([g.reshape(-1) for g in grads])
        for data, target in loader:
            grads = torch.autograd.grad(loss(model(data) / temperature, target), weights, create_graph=True)
            (stopped * torch.cat([g.reshape(-1) for g in grads])).sum().backward()
        for _, p in self.masked:
            self.scores[id(p)] = torch.clone(p.grad * p.data).detach()
            p.grad.data.zero_()
        total = torch.abs(torch.sum(torch.cat([torch.flatten(v) for v in self.scores.values()]))) + 1e-10
        for _, p in self.masked:
            self.scores[id(p)].div_(total)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--model', required=True)
    parser.add_argument('--method', required=True)
    parser.add_argument('--density', type=float, required=True)
    parser.add_argument('--iterations', type=int, default=1)
    parser.add_argument('--batch-size', type=int, default=256)
    parser.add_argument('--prune-examples', type=int, default=256)
    parser.add_argument('--threads', type=int, default=0)
    parser.add_argument('--weights')
    parser.add_argument('--masks-out')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--float64', action='store_true', help='score in float64 instead of Synaptic-Flow\'s float32')
    args = parser.parse_args()
    if args.float64:
        torch.set_default_dtype(torch.float64)  # models, the ones input and random data are created in float64
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = {'vgg19': Vgg19, 'resnet20': masked_resnet20}[args.model]()
    data = torch.randn(args.prune_examples, 3, 32, 32)
    labels = torch.randint(0, 10, (args.prune_examples,))
    if args.weights:
        state = torch.load(args.weights, weights_only=False)
        if '__inputs__' in state and args.method != 'synflow':
            data, labels = state['__inputs__'].to(torch.get_default_dtype()), state['__labels__'].long()
        state = {name: value for name, value in state.items() if not name.startswith('__')}
        missing, unexpected = model.load_state_dict(state, strict=False)
        assert not unexpected and all(name.endswith('_mask') for name in missing), (missing, unexpected)
    model = model.to(args.device).eval()
    data, labels = data.to(args.device), labels.to(args.device)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(data, labels), batch_size=args.batch_size, shuffle=True)
    pruner = {'synflow': SynFlow, 'snip': Snip, 'grasp': Grasp}[args.method](model)
    loss = nn.CrossEntropyLoss()
    sync = torch.cuda.synchronize if args.device == 'cuda' else (lambda: None)
    # untimed warm-up of the kernels the scoring uses (cuDNN/oneDNN setup, allocator), leaving no gradients behind
    weights = [p for _, p in pruner.masked]
    warm = torch.ones(1, 3, 32, 32, device=args.device) if args.method == 'synflow' else data[:args.batch_size]
    torch.autograd.grad(model(warm).sum(), weights)
    if args.method == 'grasp':
        grads = torch.autograd.grad(loss(model(warm), labels[:args.batch_size]), weights, create_graph=True)
        torch.autograd.grad(sum((g * g.detach()).sum() for g in grads), weights)
    sync()
    start = time.perf_counter()
    for iteration in range(args.iterations):
        pruner.score(model, loss, loader)
        pruner.global_mask(args.density ** ((iteration + 1) / args.iterations))
    sync()
    seconds = time.perf_counter() - start
    kept = int(sum(mask.sum().item() for mask, _ in pruner.masked))
    total = sum(mask.numel() for mask, _ in pruner.masked)
    if args.masks_out:
        names = {id(m): n for n, m in model.named_buffers()}
        torch.save({names[id(mask)].replace('_mask', ''): mask.detach().cpu() for mask, _ in pruner.masked}, args.masks_out)
    print(json.dumps({'seconds': seconds, 'kept': kept, 'total': total, 'torch': torch.__version__,
                      'threads': torch.get_num_threads()}))


if __name__ == '__main__':
    main()
