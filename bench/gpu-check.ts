// CUDA path check (run by scripts/gpu-check.sh on a GPU machine): CUDA results equal CPU results, autograd
// works on CUDA, and a small CNN training step is timed on both devices.
import * as T from '../src/torch/index.js';

const info = T.buildInfo();
console.log(`libtorch ${info.torchVersion}, CUDA available: ${info.cudaAvailable}, devices: ${info.cudaDeviceCount}`);
if (!info.cudaAvailable) { console.log('CUDA not available'); process.exit(5); }

T.manualSeed(0);
const x = T.randn([64, 3, 32, 32], { dtype: 'float64' });
const w = T.randn([16, 3, 3, 3], { dtype: 'float64' });
function lossAndGrad(device: 'cpu' | 'cuda') {
  return T.tidy(() => {
    const weight = w.to(device).requiresGrad_(true);
    const out = T.F.relu(T.F.conv2d(x.to(device), weight, { padding: 1 }));
    const loss = out.square().mean();
    const [g] = T.grad(loss, [weight], { createGraph: true });
    const [hg] = T.grad(g!.square().sum(), [weight]);
    return { loss: loss.item(), grad: g!.to('cpu').detach(), hessGrad: hg!.to('cpu') };
  });
}
const cpu = lossAndGrad('cpu');
const gpu = lossAndGrad('cuda');
const maxDiff = (a: T.Tensor, b: T.Tensor) => T.tidy(() => a.sub(b).abs().max().item() / Math.max(1e-30, b.abs().max().item()));
console.log(`loss cpu ${cpu.loss} cuda ${gpu.loss}; grad rel diff ${maxDiff(gpu.grad, cpu.grad).toExponential(2)}; ` +
  `double-backward rel diff ${maxDiff(gpu.hessGrad, cpu.hessGrad).toExponential(2)}`);
try { T.tidy(() => T.randn([2], { device: 'cuda' }).add(T.randn([2]))); } catch (error) {
  console.log(`device mismatch error: ${(error as Error).message.slice(0, 120)}`);
}

function stepTime(device: 'cpu' | 'cuda', steps: number): number {
  const c1 = T.keep(T.randn([64, 3, 3, 3], { device }).mul_(0.1).requiresGrad_(true));
  const c2 = T.keep(T.randn([64, 64, 3, 3], { device }).mul_(0.05).requiresGrad_(true));
  const head = T.keep(T.randn([10, 64], { device }).mul_(0.1).requiresGrad_(true));
  const input = T.keep(T.randn([64, 3, 32, 32], { device }));
  const labels = T.keep(T.randint(0, 10, [64], { device }));
  const params = [c1, c2, head];
  const buffers = params.map((p) => T.keep(T.zerosLike(p)));
  const step = () => T.tidy(() => {
    const h = T.F.relu(T.F.conv2d(T.F.relu(T.F.conv2d(input, c1, { padding: 1 })), c2, { padding: 1 }));
    const loss = T.F.crossEntropy(T.F.linear(T.F.adaptiveAvgPool2d(h, 1).flatten(1), head), labels);
    const grads = T.grad(loss, params);
    T.noGrad(() => params.forEach((p, i) => { buffers[i].mul_(0.9).add_(grads[i]!); p.sub_(buffers[i], 0.01); }));
    return loss.item();
  });
  for (let i = 0; i < 3; i++) step();
  const start = performance.now();
  for (let i = 0; i < steps; i++) step();
  return (performance.now() - start) / steps;
}
const cpuMs = stepTime('cpu', 5);
const gpuMs = stepTime('cuda', 50);
console.log(`small CNN step (batch 64, 3x32x32, 2 conv 64ch): cpu ${cpuMs.toFixed(2)} ms, cuda ${gpuMs.toFixed(2)} ms (${(cpuMs / gpuMs).toFixed(1)}x)`);
