// Pruning speed: SynFlow (100 iterations), SNIP and GraSP (one batch of 256) on VGG-19 and ResNet-20 through
// sketchprune's prune(), next to a PyTorch reference that does it the way Synaptic-Flow does
// (bench/reference/pruning.py: float32, masked layers, whole-model bookkeeping every iteration), run by Python in
// this same invocation on the same initial weights and with the same thread count. Both sides warm up untimed
// first. Rounds alternate between the two so that load changes on a shared machine hit both; the table shows
// medians. It also reports how much the two masks overlap. One scoring pass agrees with the reference on identical
// weights; over SynFlow's 100 iterations the masks drift apart mainly because of the kept count per iteration: by
// default we keep round(d·N), the reference prunes ⌊(1−d)·N⌋ and every score tied with its threshold (about ⌈d·N⌉
// kept), and a one-weight difference in an early iteration changes every later score. With --keep-rule
// synaptic-flow and --reference-float64 the masks are identical; the reference's own float32 and float64 runs
// differ too (iterative SynFlow is that sensitive), so with its float32 the overlap stays below 100 %.
// Usage: node dist/bench/pruning.js [--models vgg19,resnet20] [--methods synflow,snip,grasp] [--iterations 100]
//          [--density 0.1] [--batch-size 256] [--threads N] [--rounds 1] [--python /usr/bin/python3] [--json FILE]
//          [--keep-rule round|synaptic-flow] [--reference-float64] [--precision float32|float64]
//          [--selection threshold|sketch-random|sketch]
//          [--device cpu|cuda] (cuda needs the addon built against a CUDA libtorch: scripts/build-addon.sh, scripts/device-check.sh)
// Ours runs SynFlow in scaled float32 by default (--precision float64: the float64 path).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  buildInfo, getNumThreads, keep, loadPt, manualSeed, randint, randn, savePt, setNumThreads, tidy, type Device,
} from '../src/torch/index.js';
import { createModel } from '../src/nn/index.js';
import { prune, type KeepRule } from '../src/pruning/index.js';

const { values } = parseArgs({
  options: {
    models: { type: 'string', default: 'vgg19,resnet20' }, methods: { type: 'string', default: 'synflow,snip,grasp' },
    iterations: { type: 'string', default: '100' }, density: { type: 'string', default: '0.1' },
    'batch-size': { type: 'string', default: '256' }, threads: { type: 'string' }, rounds: { type: 'string', default: '1' },
    python: { type: 'string', default: '/usr/bin/python3' }, json: { type: 'string' }, device: { type: 'string', default: 'cpu' },
    'keep-rule': { type: 'string', default: 'round' }, 'reference-float64': { type: 'boolean', default: false },
    precision: { type: 'string', default: 'float32' }, selection: { type: 'string', default: 'threshold' },
  },
});
const keepRule = values['keep-rule'] as KeepRule;
const threads = Number(values.threads ?? getNumThreads());
setNumThreads(threads);
const iterations = Number(values.iterations);
const density = Number(values.density);
const batchSize = Number(values['batch-size']);
const rounds = Number(values.rounds);
const device = values.device as Device;
const precision = values.precision as 'float32' | 'float64';
const selection = values.selection!;
const here = path.dirname(fileURLToPath(import.meta.url));
const referenceScript = path.resolve(here, '..', '..', 'bench', 'reference', 'pruning.py');
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'sketchprune-bench-pruning-'));

const median = (samples: number[]): number => [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)];

interface Row {
  model: string; method: string; iterations: number; ours: number; reference: number; speedup: number;
  keptOurs: number; keptReference: number; overlap: number; torch: string;
}

function reference(model: string, method: string, weights: string, masksOut: string): { seconds: number; kept: number; torch: string } {
  const args = [referenceScript, '--model', model, '--method', method, '--density', String(density),
    '--iterations', String(method === 'synflow' ? iterations : 1), '--batch-size', String(batchSize),
    '--prune-examples', String(method === 'synflow' ? 100 : batchSize), '--threads', String(threads),
    '--weights', weights, '--masks-out', masksOut, '--device', device, ...(values['reference-float64'] ? ['--float64'] : [])];
  const result = spawnSync(values.python!, args, { encoding: 'utf8', maxBuffer: 16 << 20 });
  if (result.status !== 0) throw new Error(`PyTorch reference failed (${model} ${method}): ${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').pop()!);
}

const rows: Row[] = [];
for (const modelName of values.models!.split(',')) {
  for (const method of values.methods!.split(',')) {
    manualSeed(0);
    const model = createModel(modelName, { inputShape: [3, 32, 32], numClasses: 10 });
    const weights = path.join(scratch, `${modelName}.pt`);
    // the scoring batch, shared with the reference so that SNIP/GraSP masks are comparable
    const inputs = keep(randn([batchSize, 3, 32, 32]));
    const labels = keep(randint(0, 10, [batchSize]));
    savePt(weights, { ...model.stateDict(), __inputs__: inputs, __labels__: labels });
    const onDevice = { inputs: keep(inputs.to(device)), labels: keep(labels.to(device)) };
    const source = { next: () => ({ inputs: onDevice.inputs.clone(), labels: onDevice.labels.clone() }) };
    if (device !== 'cpu') model.to(device);
    const oursSeconds: number[] = [];
    const referenceSeconds: number[] = [];
    let keptOurs = 0, keptReference = 0, overlap = 0, torch = '';
    // one untimed run first, so that both sides time warm kernels (the reference warms up in its own process)
    for (let round = -1; round < rounds; round++) {
      if (round < 0) {
        const warm = await prune(model, { method, density, iterations: 1, ...(method === 'synflow' ? {} : { input: { source } }) });
        warm.masks.dispose();
        continue;
      }
      const started = performance.now();
      const { masks, record } = await prune(model, {
        method, density, iterations: method === 'synflow' ? iterations : 1, keepRule, precision, selection,
        ...(method === 'synflow' ? {} : { input: { source } }),
      });
      oursSeconds.push((performance.now() - started) / 1000);
      const masksFile = path.join(scratch, `${modelName}-${method}-masks.pt`);
      const ref = reference(modelName, method, weights, masksFile);
      referenceSeconds.push(ref.seconds);
      torch = ref.torch;
      keptOurs = record.kept;
      keptReference = ref.kept;
      const referenceMasks = loadPt(masksFile);
      overlap = tidy(() => masks.entries().reduce((sum, [name, mask]) =>
        sum + mask.to('cpu').ne(0).logicalAnd(referenceMasks[name].ne(0)).sum().item(), 0)) / Math.max(1, keptReference);
      for (const tensor of Object.values(referenceMasks)) tensor.dispose();
      masks.dispose();
    }
    model.dispose();
    for (const tensor of [inputs, labels, onDevice.inputs, onDevice.labels]) tensor.dispose();
    const ours = median(oursSeconds);
    const ref = median(referenceSeconds);
    rows.push({ model: modelName, method, iterations: method === 'synflow' ? iterations : 1, ours, reference: ref, speedup: ref / ours, keptOurs, keptReference, overlap, torch });
    console.error(`${modelName} ${method}: ours ${ours.toFixed(2)} s, reference ${ref.toFixed(2)} s`);
  }
}
fs.rmSync(scratch, { recursive: true, force: true });

const info = buildInfo();
console.log(`\npruning at density ${density} on ${device}, ${threads} CPU thread(s), libtorch ${info.torchVersion} (ours), torch ${rows[0]?.torch} (reference, ${values['reference-float64'] ? 'float64' : 'float32'}), keep rule ${keepRule}, ${rounds} round(s), medians; ours: SynFlow in ${precision}, ${selection} selection; load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
const header = ['model', 'method', 'iterations', 'ours (s)', 'reference (s)', 'reference/ours', 'kept ours', 'kept ref', 'mask overlap'];
const table = rows.map((row) => [row.model, row.method, String(row.iterations), row.ours.toFixed(2), row.reference.toFixed(2),
  `${row.speedup.toFixed(2)}×`, String(row.keptOurs), String(row.keptReference), `${(100 * row.overlap).toFixed(1)}%`]);
const widths = header.map((title, i) => Math.max(title.length, ...table.map((cells) => cells[i].length)));
const line = (cells: string[]) => `| ${cells.map((cell, i) => cell.padEnd(widths[i])).join(' | ')} |`;
console.log(line(header));
console.log(`|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`);
for (const cells of table) console.log(line(cells));
if (values.json) fs.writeFileSync(values.json, JSON.stringify({ device, threads, density, rounds, libtorch: info.torchVersion, rows }, null, 1));
