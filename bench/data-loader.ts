// Loader throughput against a training step: is data loading a bottleneck? Times one batch of 128 CIFAR-like
// 3×32×32 images (random crop with padding 4 + flip + normalization, as float32), its parts, and a ResNet-20
// training step (forward, cross entropy, backward, SGD update) built from F.conv2d, on the same device.
// Usage: node dist/bench/data-loader.js [cpu|cuda] [examples]
import * as T from '../src/torch/index.js';
import { DataLoader, ImageDataset, Rng, cropFlip, drawCropFlip, normalize } from '../src/data/index.js';

const device = (process.argv[2] ?? 'cpu') as T.Device;
const examples = Number(process.argv[3] ?? 20000);
const batchSize = 128;
console.log(`device ${device}; libtorch ${T.buildInfo().torchVersion}; intra-op threads ${T.getNumThreads()}; ` +
  `dataset ${examples} random 3×32×32 images; batch ${batchSize}`);

const pixels = new Uint8Array(examples * 3072);
const rng = new Rng(0);
for (let i = 0; i < pixels.length; i++) pixels[i] = rng.nextUint32() & 255;
const dataset = ImageDataset.fromArrays({ pixels, imageShape: [3, 32, 32], labels: Uint8Array.from({ length: examples }, (_, i) => i % 10) },
  { name: 'bench', split: 'train', numClasses: 10, source: 'memory' });
const stats = { mean: [0.4914, 0.4822, 0.4465], std: [0.247, 0.2435, 0.2616] };

/** Median milliseconds per call over `repeats` calls (after 3 warm-up calls). */
function time(fn: (i: number) => void, repeats: number): number {
  for (let i = 0; i < 3; i++) T.tidy(() => fn(i));
  const samples: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    T.tidy(() => fn(i));
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

// ---- ResNet-20 (3 stages of 3 basic blocks, widths 16/32/64, 1×1 projection shortcuts), ~0.27M parameters
const parameters: T.Tensor[] = [];
function param(shape: number[], scale: number, offset = 0): T.Tensor {
  const p = T.keep(T.randn(shape, { device }).mul_(scale).add_(offset).requiresGrad_(true));
  parameters.push(p);
  return p;
}
function convBn(inC: number, outC: number, k: number) {
  return { weight: param([outC, inC, k, k], Math.sqrt(2 / (inC * k * k))), gamma: param([outC], 0, 1), beta: param([outC], 0) };
}
type ConvBn = ReturnType<typeof convBn>;
const applyConvBn = (x: T.Tensor, layer: ConvBn, stride: number) => T.F.batchNorm(
  T.F.conv2d(x, layer.weight, { stride, padding: layer.weight.size(2) === 3 ? 1 : 0 }),
  { weight: layer.gamma, bias: layer.beta, training: true });
const stem = convBn(3, 16, 3);
const blocks: Array<{ a: ConvBn; b: ConvBn; shortcut: ConvBn | null; stride: number }> = [];
let width = 16;
for (const [stage, outC] of [16, 32, 64].entries()) {
  for (let i = 0; i < 3; i++) {
    const stride = stage > 0 && i === 0 ? 2 : 1;
    blocks.push({ a: convBn(width, outC, 3), b: convBn(outC, outC, 3), shortcut: stride > 1 || width !== outC ? convBn(width, outC, 1) : null, stride });
    width = outC;
  }
}
const head = param([10, 64], 1 / 8);
const headBias = param([10], 0);
const momentum = parameters.map((p) => T.keep(T.zerosLike(p)));

function trainStep(inputs: T.Tensor, labels: T.Tensor): number {
  let x = T.F.relu(applyConvBn(inputs, stem, 1));
  for (const block of blocks) {
    const out = applyConvBn(T.F.relu(applyConvBn(x, block.a, block.stride)), block.b, 1);
    x = T.F.relu(out.add(block.shortcut ? applyConvBn(x, block.shortcut, block.stride) : x));
  }
  const logits = T.F.linear(T.F.adaptiveAvgPool2d(x, 1).flatten(1), head, headBias);
  const loss = T.F.crossEntropy(logits, labels);
  const grads = T.grad(loss, parameters);
  T.noGrad(() => parameters.forEach((p, i) => { momentum[i].mul_(0.9).add_(grads[i]!); p.sub_(momentum[i], 0.1); }));
  return loss.item(); // synchronizes with the device
}

const augmented = new DataLoader(dataset, { batchSize, seed: 1, augment: true, normalize: stats, device });
const plain = new DataLoader(dataset, { batchSize, seed: 1, normalize: stats, device });
const batches = augmented.length;
const repeats = 40;
const sample = T.keep(dataset.images.narrow(0, 0, batchSize));
const choice = drawCropFlip(new Rng(2), batchSize, 4);
const index = T.keep(T.arange(0, batchSize * 7, 7));
const fixedBatch = augmented.batch(0, 0);
const [fixedInputs, fixedLabels] = [T.keep(fixedBatch.inputs), T.keep(fixedBatch.labels)];

const rows: Array<[string, number]> = [
  ['loader batch: gather + crop/flip + normalize' + (device === 'cpu' ? '' : ' + copy to ' + device), time((i) => { augmented.batch(1, i % batches); }, repeats)],
  ['loader batch without augmentation', time((i) => { plain.batch(1, i % batches); }, repeats)],
  ['  part: gather 128 images (index_select)', time(() => { dataset.images.indexSelect(0, index); }, repeats)],
  ['  part: crop + flip (one gather)', time(() => { cropFlip(sample, choice, 4); }, repeats)],
  ['  part: uint8 → normalized float32', time(() => { normalize(sample, stats.mean, stats.std); }, repeats)],
  ['ResNet-20 training step (fwd + bwd + SGD)', time(() => { trainStep(fixedInputs, fixedLabels); }, 10)],
  ['loader batch + ResNet-20 step', time((i) => { const b = augmented.batch(2, i % batches); trainStep(b.inputs, b.labels); }, 10)],
];
const step = rows[5][1];
const nameWidth = Math.max(...rows.map(([name]) => name.length));
console.log(`${'measure'.padEnd(nameWidth)} | ms/batch | ratio to step`);
for (const [name, ms] of rows) console.log(`${name.padEnd(nameWidth)} | ${ms.toFixed(3).padStart(8)} | ${(ms / step).toFixed(3)}`);
// once per epoch, not per batch: spread over the epoch's batches it is negligible
const order = time((i) => { new Rng(5, 'shuffle', i).permutation(examples); }, 10);
console.log(`epoch order (permutation of ${examples} examples, once per epoch): ${order.toFixed(2)} ms = ${(order / batches).toFixed(4)} ms/batch`);
