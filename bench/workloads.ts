// The TypeScript side of each benchmark workload; bench/reference/pytorch_bench.py has the same ones in PyTorch.
// A workload is a factory returning one measurement round: wall-clock and CPU time (all threads of the process)
// per unit, in µs for ops and ms for training steps.
import * as T from '../src/torch/index.js';

export interface Timing { wall: number; cpu: number }
export type Round = () => Timing;

/** Runs fn and returns its wall-clock and process CPU time in ms. */
function measure(fn: () => void): Timing {
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  fn();
  const wall = performance.now() - start;
  const cpu = process.cpuUsage(cpuStart);
  return { wall, cpu: (cpu.user + cpu.system) / 1e3 };
}
const per = (timing: Timing, units: number, scale: number): Timing =>
  ({ wall: (timing.wall / units) * scale, cpu: (timing.cpu / units) * scale });

/** `a.add(b)` then `dispose()` of the result: the cost of one small op through the binding. */
function addOverhead(size: number, iterations = 100_000): Round {
  const a = T.keep(T.ones([size]));
  const b = T.keep(T.ones([size]));
  return () => per(measure(() => { for (let i = 0; i < iterations; i++) a.add(b).dispose(); }), iterations, 1e3);
}

/** The same adds inside tidy() (100 per scope), the way loops in this code base are written. */
function addInTidy(size: number, iterations = 100_000): Round {
  const a = T.keep(T.ones([size]));
  const b = T.keep(T.ones([size]));
  return () => per(measure(() => {
    for (let i = 0; i < iterations; i += 100) T.tidy(() => { for (let j = 0; j < 100; j++) a.add(b); });
  }), iterations, 1e3);
}

/** SGD with momentum 0.9 by in-place ops, as PyTorch's SGD does it: buf = 0.9·buf + g; p -= lr·buf. */
function sgdMomentum(parameters: T.Tensor[], buffers: T.Tensor[], gradients: (T.Tensor | null)[], lr: number): void {
  T.noGrad(() => parameters.forEach((p, i) => {
    buffers[i].mul_(0.9).add_(gradients[i]!);
    p.sub_(buffers[i], lr);
  }));
}

function timeSteps(step: () => number, steps: number): Round {
  return () => per(measure(() => { for (let i = 0; i < steps; i++) step(); }), steps, 1);
}

/** linear(20→32)-relu-linear(32→4), batch 16: a training step dominated by per-op overhead. */
function mlpStep(steps = 200): Round {
  T.manualSeed(0);
  const parameters = [T.randn([32, 20]).mul_(0.1), T.zeros([32]), T.randn([4, 32]).mul_(0.1), T.zeros([4])]
    .map((p) => T.keep(p.requiresGrad_(true)));
  const buffers = parameters.map((p) => T.keep(T.zerosLike(p)));
  const inputs = T.keep(T.randn([16, 20]));
  const targets = T.keep(T.randint(0, 4, [16]));
  return timeSteps(() => T.tidy(() => {
    const [w1, b1, w2, b2] = parameters;
    const loss = T.F.crossEntropy(T.F.linear(T.F.relu(T.F.linear(inputs, w1, b1)), w2, b2), targets);
    sgdMomentum(parameters, buffers, T.grad(loss, parameters), 0.05);
    return loss.item();
  }), steps);
}

/** Batch 64 of 3×32×32: conv3×3(3→64)-relu-conv3×3(64→64)-relu-global average pool-linear(64→10), cross entropy. */
function cnnStep(steps = 1): Round {
  T.manualSeed(0);
  const parameters = [
    T.randn([64, 3, 3, 3]).mul_(0.1), T.zeros([64]), T.randn([64, 64, 3, 3]).mul_(0.05), T.zeros([64]),
    T.randn([10, 64]).mul_(0.1), T.zeros([10]),
  ].map((p) => T.keep(p.requiresGrad_(true)));
  const buffers = parameters.map((p) => T.keep(T.zerosLike(p)));
  const inputs = T.keep(T.randn([64, 3, 32, 32]));
  const targets = T.keep(T.randint(0, 10, [64]));
  return timeSteps(() => T.tidy(() => {
    const [c1, b1, c2, b2, w, b] = parameters;
    // The forward pass in its own scope: its activations lose their JS handles at once, so only autograd holds
    // them and backward frees each as soon as it is used, as in Python where nothing else refers to them.
    const loss = T.tidy(() => {
      const h = T.F.relu(T.F.conv2d(T.F.relu(T.F.conv2d(inputs, c1, { bias: b1, padding: 1 })), c2, { bias: b2, padding: 1 }));
      return T.F.crossEntropy(T.F.linear(T.F.adaptiveAvgPool2d(h, 1).flatten(1), w, b), targets);
    });
    sgdMomentum(parameters, buffers, T.grad(loss, parameters), 0.01);
    return loss.item();
  }), steps);
}

export interface Workload {
  /** Row label in the table. */
  label: string;
  unit: 'µs' | 'ms';
  create: () => Round;
  /** The PyTorch workload it is compared with. */
  reference: string;
  /** 'all' = every core (the --threads value); small workloads run on one thread on both sides. */
  threads: 'one' | 'all';
  /** Environment of the PyTorch process, for rows that compare under equal allocator settings. */
  referenceEnv?: Record<string, string>;
}

/** The glibc settings the addon applies to itself (native/addon.cc, tuneMalloc), as environment variables. */
export const tunedMallocEnv = { MALLOC_MMAP_THRESHOLD_: String(32 << 20), MALLOC_TRIM_THRESHOLD_: String(1 << 30) };

export const workloads: Workload[] = [
  { label: 'add, 1 element (+ dispose)', unit: 'µs', create: () => addOverhead(1), reference: 'add-1', threads: 'one' },
  { label: 'add, 10 elements (+ dispose)', unit: 'µs', create: () => addOverhead(10), reference: 'add-10', threads: 'one' },
  { label: 'add, 10 elements (in tidy)', unit: 'µs', create: () => addInTidy(10), reference: 'add-10', threads: 'one' },
  { label: 'MLP training step (batch 16)', unit: 'ms', create: () => mlpStep(), reference: 'mlp-step', threads: 'one' },
  { label: 'CNN training step (batch 64, 3×32×32)', unit: 'ms', create: () => cnnStep(), reference: 'cnn-step', threads: 'all' },
  { label: 'CNN training step, PyTorch given our malloc settings', unit: 'ms', create: () => cnnStep(), reference: 'cnn-step',
    threads: 'all', referenceEnv: tunedMallocEnv },
];
