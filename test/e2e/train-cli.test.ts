// `sketchprune train` end to end on a full-size synthetic Fashion-MNIST directory (the loader insists on the
// release's example counts), trained on its first few hundred examples.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { rand, manualSeed, tidy } from '../../src/torch/index.js';
import { MaskSet, createModel, prunableParameters } from '../../src/nn/index.js';
import { readMetrics } from '../../src/train/index.js';

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'bin', 'sketchprune.js');
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sketchprune-cli-train-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));

/** IDX files whose images show a bright bar at a row that encodes the label, so a small net learns them fast. */
function writeDataset(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const [prefix, n] of [['train', 60000], ['t10k', 10000]] as const) {
    const labels = Uint8Array.from({ length: n }, (_, i) => (i * 7 + (prefix === 'train' ? 3 : 5)) % 10);
    const images = new Uint8Array(n * 784);
    labels.forEach((label, i) => images.fill(200, i * 784 + (2 * label + 4) * 28 + 2, i * 784 + (2 * label + 4) * 28 + 26));
    const idx = (dims: number[], data: Uint8Array) => {
      const header = Buffer.alloc(4 + 4 * dims.length);
      header.writeUInt32BE(0x0800 | dims.length, 0);
      dims.forEach((dim, i) => header.writeUInt32BE(dim, 4 + 4 * i));
      return zlib.gzipSync(Buffer.concat([header, Buffer.from(data)]), { level: 1 });
    };
    fs.writeFileSync(path.join(dir, `${prefix}-images-idx3-ubyte.gz`), idx([n, 28, 28], images));
    fs.writeFileSync(path.join(dir, `${prefix}-labels-idx1-ubyte.gz`), idx([n], labels));
  }
}

const dataDir = path.join(root, 'fashion');
writeDataset(dataDir);

function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [bin, 'train', ...args], {
    env: { ...process.env, SKETCHPRUNE_CACHE: path.join(root, 'cache'), SKETCHPRUNE_THREADS: '1' }, encoding: 'utf8',
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
const common = ['--model', 'lenet300', '--dataset', 'fashion-mnist', '--data-dir', dataDir, '--epochs', '2', '--batch-size', '32',
  '--lr', '0.05', '--limit-train', '320', '--limit-test', '100', '--progress', 'lines'];

test('train writes config, checkpoint, metrics, model and result; a second run needs --resume', () => {
  const out = path.join(root, 'run');
  const first = cli([...common, '--out', out, '--milestones', '1', '--weight-decay', '1e-4']);
  assert.equal(first.status, 0, first.stderr);
  assert.match(first.stdout, /finished 2 epochs \(20 steps\): test top-1 \d+\.\d\d%/);
  assert.match(first.stderr, /training lenet300 on fashion-mnist: 320 train \/ 100 test examples, 266,610 parameters/);
  assert.match(first.stderr, /epoch 2\/2 done in .*test loss/);
  const result = JSON.parse(fs.readFileSync(path.join(out, 'result.json'), 'utf8'));
  assert.ok(result.test.top1 >= 0.9, `test accuracy ${result.test.top1}`);
  assert.deepEqual(readMetrics(path.join(out, 'metrics.jsonl')).map((line) => [line.type, line.step, (line.lr as number).toPrecision(12)]),
    [['epoch', 10, '0.0500000000000'], ['epoch', 20, '0.00500000000000']]);
  for (const file of ['config.json', 'checkpoint.safetensors', 'model.safetensors']) assert.ok(fs.existsSync(path.join(out, file)), file);

  const again = cli([...common, '--out', out, '--milestones', '1', '--weight-decay', '1e-4']);
  assert.equal(again.status, 1);
  assert.match(again.stderr, /already holds a checkpoint \(epoch 2, step 20\); resume it \(resume: true, --resume\) or choose another directory/);
  const resumed = cli([...common, '--out', out, '--milestones', '1', '--weight-decay', '1e-4', '--resume']);
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.match(resumed.stderr, /run already finished \(20 steps\)/);
  const changed = cli([...common, '--out', out, '--milestones', '1', '--resume']);
  assert.equal(changed.status, 1);
  assert.match(changed.stderr, /cannot resume .*other settings \(optimizer: checkpoint .*"weightDecay":0.0001.*now .*"weightDecay":0/);
});

test('train with a mask keeps masked weights zero; a mask of another architecture is refused', () => {
  manualSeed(3);
  const lenet = createModel('lenet300', { inputShape: [1, 28, 28], numClasses: 10 });
  const masks = new MaskSet(prunableParameters(lenet).map(([name, p]) => [name, tidy(() => rand(p.shape).lt(0.2).float())]));
  const maskFile = path.join(root, 'lenet-mask.safetensors');
  masks.save(maskFile);
  const out = path.join(root, 'masked');
  const run = cli([...common, '--out', out, '--mask', maskFile, '--momentum', '0.9', '--weight-decay', '0.01']);
  assert.equal(run.status, 0, run.stderr);
  assert.ok(run.stderr.includes(`mask density ${(100 * masks.density()).toFixed(2)}%`), run.stderr);
  const trained = createModel('lenet300', { inputShape: [1, 28, 28], numClasses: 10 });
  trained.loadSafetensors(path.join(out, 'model.safetensors'));
  const parameters = new Map(trained.namedParameters());
  for (const [name, mask] of masks.entries()) {
    const weights = parameters.get(name)!.toArray();
    const maskValues = mask.toArray();
    assert.ok(maskValues.every((value, i) => value !== 0 || Object.is(weights[i], 0)), `${name}: masked weights are 0`);
    assert.ok(maskValues.some((value, i) => value !== 0 && weights[i] !== 0), `${name}: kept weights are not all 0`);
  }

  const conv = createModel('conv2', { inputShape: [1, 28, 28], numClasses: 10 });
  const convMasks = MaskSet.ones(conv);
  const convFile = path.join(root, 'conv-mask.safetensors');
  convMasks.save(convFile);
  const refused = cli([...common, '--out', path.join(root, 'refused'), '--mask', convFile]);
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, new RegExp(`--mask ${convFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} does not fit lenet300: mask '.*' names no parameter .*another architecture`));
});

test('bad arguments name the flag and the value; unknown names list the known ones', () => {
  const cases: [string[], number, RegExp][] = [
    [['--model', 'lenet301', '--dataset', 'fashion-mnist', '--epochs', '1', '--batch-size', '8', '--lr', '0.1'], 1, /unknown model 'lenet301'; known models: fc, lenet300/],
    [['--model', 'lenet300', '--dataset', 'fmnist', '--epochs', '1', '--batch-size', '8', '--lr', '0.1'], 1, /unknown dataset 'fmnist'; known datasets: fashion-mnist/],
    [['--model', 'lenet300', '--dataset', 'fashion-mnist', '--epochs', '0', '--batch-size', '8', '--lr', '0.1'], 2, /--epochs must be an integer ≥ 1, got '0'/],
    [['--model', 'lenet300', '--dataset', 'fashion-mnist', '--epochs', '1', '--batch-size', '8'], 2, /--lr is required/],
    [['--model', 'lenet300', '--dataset', 'fashion-mnist', '--epochs', '1', '--batch-size', '8', '--lr', '0.1', '--schedule', 'cosine', '--milestones', '5'], 2, /--milestones only applies to --schedule multistep, not cosine/],
    [['--model', 'lenet300', '--dataset', 'fashion-mnist', '--epochs', '1', '--batch-size', '8', '--lr', '0.1', '--milestones', '5,x'], 2, /--milestones must be comma-separated epochs ≥ 0, got '5,x' \(entry 2\)/],
    [['--model', 'lenet300', '--dataset', 'fashion-mnist', '--epochs', '1', '--batch-size', '8', '--lr', '0.1', '--mask', '/nonexistent.safetensors', '--data-dir', dataDir], 1, /--mask \/nonexistent.safetensors: no such file/],
  ];
  for (const [args, status, message] of cases) {
    const result = cli(args);
    assert.equal(result.status, status, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, message);
  }
  const help = cli(['--help']);
  assert.equal(help.status, 0);
  for (const flag of ['--model', '--dataset', '--epochs', '--batch-size', '--lr', '--momentum', '--weight-decay', '--milestones', '--gamma',
    '--schedule', '--warmup-epochs', '--mask', '--out', '--seed', '--resume', '--data-dir', '--device', '--limit-train']) {
    assert.ok(help.stdout.includes(`  ${flag} `), `--help mentions ${flag}`);
  }
});
