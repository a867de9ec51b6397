"""Makes the TorchScript files for test/pruning/torchscript.test.ts.

Usage: /usr/bin/python3 test/reference/torchscript_models.py OUTDIR
Writes OUTDIR/resnet.pt (python/models.py's resnet20 twin on 3x8x8 inputs, scripted with torch.jit.script, batch
norm given random affine values and running statistics, some negative), OUTDIR/conv2.pt (the conv2 twin on 1x12x12
inputs, traced with torch.jit.trace), OUTDIR/pair.pt (a scripted module whose forward returns a tuple),
and OUTDIR/state.pt (a plain state dict saved with torch.save: not TorchScript). Prints JSON: {"resnet":
{"parameters": [[name, shape]], "buffers": [...], "input": [...], "eval": [...], "train": [...]}}: a [4, 3, 8, 8]
input batch and the scripted module's eval- and train-mode outputs on it.
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'python'))
from models import create_model  # noqa: E402


class Pair(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(4, 3)

    def forward(self, x):
        return self.fc(x.flatten(1)), x


def main():
    out = sys.argv[1]
    torch.manual_seed(7)
    resnet = create_model('resnet20', (3, 8, 8), 10)
    with torch.no_grad():
        for name, tensor in list(resnet.named_parameters()) + list(resnet.named_buffers()):
            if name.endswith('running_mean'):
                tensor.copy_(torch.randn(tensor.shape) * 0.3)
            elif name.endswith('running_var'):
                tensor.copy_(torch.rand(tensor.shape) + 0.5)
            elif tensor.dim() == 1 and name.endswith('weight'):
                tensor.copy_(torch.randn(tensor.shape) * 0.5 + 1)
            elif tensor.dim() == 1 and name.endswith('bias'):
                tensor.copy_(torch.randn(tensor.shape) * 0.2)
    scripted = torch.jit.script(resnet)
    scripted.save(os.path.join(out, 'resnet.pt'))
    conv2 = create_model('conv2', (1, 12, 12), 10)
    torch.jit.trace(conv2, torch.zeros(2, 1, 12, 12)).save(os.path.join(out, 'conv2.pt'))
    torch.jit.script(Pair()).save(os.path.join(out, 'pair.pt'))
    torch.save(resnet.state_dict(), os.path.join(out, 'state.pt'))
    batch = torch.randn(4, 3, 8, 8)
    with torch.no_grad():
        scripted.eval()
        evaluated = scripted(batch)
        scripted.train()
        trained = scripted(batch)
    json.dump({'resnet': {
        'parameters': [[name, list(p.shape)] for name, p in scripted.named_parameters()],
        'buffers': [[name, list(b.shape)] for name, b in scripted.named_buffers()],
        'input': batch.flatten().tolist(), 'eval': evaluated.flatten().tolist(), 'train': trained.flatten().tolist(),
    }}, sys.stdout)


if __name__ == '__main__':
    main()
