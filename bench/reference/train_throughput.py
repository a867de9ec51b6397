"""PyTorch reference for bench/train-throughput.ts: ResNet-20 (OpenLTH's cifar_resnet_20, option-B 1x1 conv
shortcuts) trained on random 3x32x32 data with SGD (momentum 0.9, weight decay 1e-4), the same step as
sketchprune's training loop: gather a shuffled batch, forward, cross-entropy, loss.item(), backward, step,
top-1 count. Prints JSON: per-step wall and process-CPU seconds after warm-up.

Usage: python3 train_throughput.py --threads N --steps S --warmup W --batch-size B [--device cpu|cuda]
"""
import argparse
import json
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

from resnet import ResNet20


def kaiming_resnet20():
    model = ResNet20()
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.kaiming_normal_(m.weight)
    return model


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--threads', type=int, required=True)
    parser.add_argument('--steps', type=int, default=20)
    parser.add_argument('--warmup', type=int, default=3)
    parser.add_argument('--batch-size', type=int, default=128)
    parser.add_argument('--device', default='cpu')
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    device = torch.device(args.device)
    model = kaiming_resnet20().to(device).train()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
    total = args.steps + args.warmup
    inputs = torch.randn(total * args.batch_size, 3, 32, 32, device=device)
    labels = torch.randint(0, 10, (total * args.batch_size,), device=device)
    order = torch.randperm(total * args.batch_size, device=device)
    times, cpu_times = [], []
    for step in range(total):
        start = time.perf_counter()
        cpu_start = time.process_time()
        at = order[step * args.batch_size:(step + 1) * args.batch_size]
        x, y = inputs.index_select(0, at), labels.index_select(0, at)
        logits = model(x)
        loss = F.cross_entropy(logits, y)
        loss.item()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        (logits.argmax(1) == y).sum().item()
        times.append(time.perf_counter() - start)
        cpu_times.append(time.process_time() - cpu_start)
    print(json.dumps({'torch': torch.__version__, 'threads': torch.get_num_threads(),
                      'seconds': times[args.warmup:], 'cpu_seconds': cpu_times[args.warmup:]}))


if __name__ == '__main__':
    main()
