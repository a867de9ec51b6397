// Hostile-file corpus for every loader, run as a child process by test/e2e/faults-files.test.ts: seeded mutations
// (bit flips, overwrites with extreme integers, insertions, deletions, splices, truncations) of valid files, fed
// to safetensors, checkpoint, mask, IDX (plain and gzipped), experiment config (JSON and YAML), metrics JSONL and
// run-directory (report) loaders. Each must load or throw a JavaScript Error: a crash kills this process, which
// the parent sees. Prints a JSON summary per loader on the last line.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import * as T from '../../src/torch/index.js';
import { MaskSet } from '../../src/nn/index.js';
import { loadCheckpoint, readMetrics, trainModel } from '../../src/train/index.js';
import { parseIdx, gunzipIfNeeded } from '../../src/data/idx.js';
import { buildExperiment, readConfigFile } from '../../src/experiments/experiment.js';
import { readRun } from '../../src/report/runs.js';
import { smallModel, syntheticData } from '../train/helpers.js';
import { mutateBytes, xorshift } from './xorshift.js';

// `node --test dist/test/` runs every .js under test/; without its count argument this file does nothing.
const count = Number(process.argv[2]);
if (!(count > 0)) process.exit(0);
const { below } = xorshift(Number(process.argv[3] ?? 0x2468ace1));
const special = [0, 1, 0x7f, 0x80, 0xff, 0x7fffffff, 0x80000000, 0xffffffff];
const mutate = (bytes: Buffer): Buffer => mutateBytes(bytes, below, { special, truncate: true });

/** A safetensors file whose JSON header is mutated as text (the length prefix fixed), so the parser sees it. */
function mutateHeader(bytes: Buffer): Buffer {
  const length = Number(bytes.readBigUInt64LE(0));
  const header = bytes.subarray(8, 8 + length).toString('utf8');
  const replacements: [RegExp, () => string][] = [
    [/"data_offsets":\[\d+,\d+\]/, () => `"data_offsets":[${below(3) - 1},${[2 ** 53, -8, 0, 1e9, 17][below(5)]}]`],
    [/"shape":\[[^\]]*\]/, () => `"shape":[${[-1, 2 ** 40, 0.5, '"x"', 1e308][below(5)]}]`],
    [/"dtype":"[A-Z0-9]+"/, () => `"dtype":"${['F64', 'C64', 'BF16', '', 'U8'][below(5)]}"`],
    [/"sketchprune\.sha256":"[0-9a-f]+"/, () => '"sketchprune.sha256":"00"'],
  ];
  const [pattern, make] = replacements[below(replacements.length)];
  const text = Buffer.from(header.replace(pattern, make()), 'utf8');
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(text.length));
  return Buffer.concat([prefix, text, bytes.subarray(8 + length)]);
}

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sp-file-fuzz-'));
T.setNumThreads(1);

// Valid bases.
const checkpointDir = path.join(root, 'base-checkpoint');
await trainModel({ model: smallModel(), trainData: syntheticData(64, 16), epochs: 1, seed: 1, optimizer: { lr: 0.05, momentum: 0.9 }, checkpointDir, maxSteps: 6, logEverySteps: 1 });
const checkpoint = fs.readFileSync(path.join(checkpointDir, 'checkpoint.safetensors'));
const maskFile = path.join(root, 'base-mask.safetensors');
T.tidy(() => new MaskSet([['0.weight', T.rand([24, 12]).lt(0.5).float()], ['1.weight', T.rand([4, 24]).mul(2)]]).save(maskFile, { note: 'x' }));
const masks = fs.readFileSync(maskFile);
const idxHeader = Buffer.alloc(16);
idxHeader.writeUInt32BE(0x0803, 0); idxHeader.writeUInt32BE(5, 4); idxHeader.writeUInt32BE(28, 8); idxHeader.writeUInt32BE(28, 12);
const idx = Buffer.concat([idxHeader, Buffer.alloc(5 * 784, 7)]);
const idxGz = zlib.gzipSync(idx);
const configJson = Buffer.from(JSON.stringify({
  name: 'fuzz', base: { model: 'lenet300', dataset: 'synthetic', density: 0.1, pruning: { method: 'synflow', iterations: 3 }, train: { epochs: 2, lr: 0.1 } },
  grid: { seed: [0, 1], density: [0.1, 0.05] }, report: { tables: [{ title: 't', rows: ['density'], columns: 'method' }] },
}));
const configYaml = Buffer.from('name: fuzz\nbase:\n  model: lenet300\n  dataset: synthetic\n  density: 0.1\n  pruning: { method: random }\n  train: { epochs: 1 }\ngrid:\n  seed: [0, 1, 2]\n');
const metrics = fs.readFileSync(path.join(checkpointDir, 'metrics.jsonl'));
const runConfig = Buffer.from(JSON.stringify({ name: 'r', model: 'lenet300', dataset: 'synthetic', density: 0.1, seed: 0, method: 'Random', hash: 'abc' }));
const runResult = Buffer.from(JSON.stringify({ testAccuracy: 0.5, top5: 0.9, measuredDensity: 0.1, seconds: 3, layers: [{ name: 'a', kept: 1, total: 10, density: 0.1 }] }));

type Loader = { name: string; run: (i: number) => void };
let scratch = 0;
const file = (name: string, bytes: Buffer): string => {
  const dir = path.join(root, `case-${scratch++}`);
  fs.mkdirSync(dir);
  const full = path.join(dir, name);
  fs.writeFileSync(full, bytes);
  return full;
};
const loaders: Loader[] = [
  { name: 'safetensors', run: () => T.tidy(() => { T.decodeSafetensors(below(2) ? mutate(checkpoint) : mutateHeader(checkpoint), 'x'); }) },
  { name: 'checkpoint', run: () => {
    const dir = path.dirname(file('checkpoint.safetensors', below(2) ? mutate(checkpoint) : mutateHeader(checkpoint)));
    if (below(2)) fs.writeFileSync(path.join(dir, 'checkpoint.previous.safetensors'), mutate(checkpoint));
    loadCheckpoint(dir)?.dispose();
  } },
  { name: 'masks', run: () => MaskSet.load(file('m.safetensors', below(2) ? mutate(masks) : mutateHeader(masks))).masks.dispose() },
  { name: 'idx', run: () => { parseIdx('x', mutate(idx), 3); } },
  { name: 'idx.gz', run: () => { const f = file('x.gz', mutate(idxGz)); parseIdx(f, gunzipIfNeeded(f, fs.readFileSync(f)), 3); } },
  { name: 'config.json', run: () => { buildExperiment(readConfigFile(file('c.json', mutate(configJson))), 'c.json'); } },
  { name: 'config.yaml', run: () => { buildExperiment(readConfigFile(file('c.yaml', mutate(configYaml))), 'c.yaml'); } },
  { name: 'metrics', run: () => { readMetrics(file('metrics.jsonl', mutate(metrics))); } },
  { name: 'run dir', run: () => {
    const dir = path.dirname(file('config.json', below(2) ? mutate(runConfig) : runConfig));
    fs.writeFileSync(path.join(dir, 'result.json'), below(2) ? mutate(runResult) : runResult);
    fs.writeFileSync(path.join(dir, 'metrics.jsonl'), mutate(metrics));
    readRun(dir);
  } },
];

const baseline = T.memoryStats().tensors; // the bases' model, data and masks
const summary: Record<string, { loaded: number; rejected: number }> = {};
for (const loader of loaders) {
  const counts = { loaded: 0, rejected: 0 };
  for (let i = 0; i < count; i++) {
    try {
      loader.run(i);
      counts.loaded += 1;
    } catch (error) {
      if (!(error instanceof Error)) throw new Error(`${loader.name} case ${i}: threw a non-Error ${String(error)}`);
      counts.rejected += 1;
    }
  }
  summary[loader.name] = counts;
}
fs.rmSync(root, { recursive: true, force: true });
if (T.memoryStats().tensors !== baseline) throw new Error(`${T.memoryStats().tensors - baseline} tensors leaked`);
console.log(JSON.stringify(summary));
