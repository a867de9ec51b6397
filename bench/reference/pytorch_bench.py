"""PyTorch side of `npm run bench` (bench/run.ts): the same workloads as bench/workloads.ts, written the way a
PyTorch user would write them, measured in this process while the TypeScript side measures in its own.

Protocol: one JSON request per stdin line {"workload": name, "threads": n}; one JSON reply per stdout line
{"wall": ..., "cpu": ...}: wall-clock and process CPU time (all threads) per unit, µs for ops, ms for steps. One round per request, so bench/run.ts can interleave
rounds of both sides and machine load hits both alike.
"""
import json
import sys
import time

import torch
import torch.nn.functional as F


def measure(fn, units, scale):
    cpu, wall = time.process_time(), time.perf_counter()
    fn()
    return {"wall": (time.perf_counter() - wall) / units * scale, "cpu": (time.process_time() - cpu) / units * scale}


def add_overhead(size, iterations=100_000):
    a = torch.ones(size)
    b = torch.ones(size)

    def loop():
        for _ in range(iterations):
            c = a + b
            del c
    return lambda: measure(loop, iterations, 1e6)


def sgd_momentum_(parameters, buffers, gradients, lr):
    with torch.no_grad():
        for p, buf, g in zip(parameters, buffers, gradients):
            buf.mul_(0.9).add_(g)
            p.sub_(buf, alpha=lr)


def mlp_step(steps=200):
    torch.manual_seed(0)
    params = [(torch.randn(32, 20) * 0.1).requires_grad_(), torch.zeros(32, requires_grad=True),
              (torch.randn(4, 32) * 0.1).requires_grad_(), torch.zeros(4, requires_grad=True)]
    buffers = [torch.zeros_like(p) for p in params]
    x, y = torch.randn(16, 20), torch.randint(0, 4, (16,))

    def step():
        loss = F.cross_entropy(F.linear(F.relu(F.linear(x, params[0], params[1])), params[2], params[3]), y)
        sgd_momentum_(params, buffers, torch.autograd.grad(loss, params), 0.05)
        return loss.item()

    def loop():
        for _ in range(steps):
            step()
    return lambda: measure(loop, steps, 1e3)


def cnn_step(steps=1):
    torch.manual_seed(0)
    params = [(torch.randn(64, 3, 3, 3) * 0.1).requires_grad_(), torch.zeros(64, requires_grad=True),
              (torch.randn(64, 64, 3, 3) * 0.05).requires_grad_(), torch.zeros(64, requires_grad=True),
              (torch.randn(10, 64) * 0.1).requires_grad_(), torch.zeros(10, requires_grad=True)]
    buffers = [torch.zeros_like(p) for p in params]
    x, y = torch.randn(64, 3, 32, 32), torch.randint(0, 10, (64,))

    def step():
        c1, b1, c2, b2, w, b = params
        h = F.relu(F.conv2d(F.relu(F.conv2d(x, c1, b1, padding=1)), c2, b2, padding=1))
        loss = F.cross_entropy(F.linear(F.adaptive_avg_pool2d(h, 1).flatten(1), w, b), y)
        sgd_momentum_(params, buffers, torch.autograd.grad(loss, params), 0.01)
        return loss.item()

    def loop():
        for _ in range(steps):
            step()
    return lambda: measure(loop, steps, 1e3)


FACTORIES = {
    "add-1": lambda: add_overhead(1),
    "add-10": lambda: add_overhead(10),
    "mlp-step": mlp_step,
    "cnn-step": cnn_step,
}


def main():
    rounds = {}
    print(json.dumps({"ready": torch.__version__}), flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        torch.set_num_threads(request["threads"])
        name = request["workload"]
        if name not in rounds:
            rounds[name] = FACTORIES[name]()
        print(json.dumps({**rounds[name](), "threads": torch.get_num_threads()}), flush=True)


if __name__ == "__main__":
    main()
