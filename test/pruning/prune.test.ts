// prune(): exact kept counts, schedules, scopes, monotone iterative masks, the record, saving, restoring the model
// and the random stream, constant memory, and clear errors for bad input.
import test, { describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as T from '../../src/torch/index.js';
import { ReLU, Sequential, type Module } from '../../src/nn/index.js';
import {
  formatDensityTable, keepCount, loadMasks, prune, saveMasks, scheduleDensities, type PruneProgress,
} from '../../src/pruning/index.js';
import { SmallConvNet, deepLinear, hasPyTorch, randomizeBatchNorm } from './helpers.js';

const prunableTotal = (model: Module) => model.namedParameters()
  .filter(([name]) => name.endsWith('weight') && !/^(1|5)\./.test(name)).reduce((sum, [, w]) => sum + w.numel, 0);

describe('kept counts', () => {
  for (const method of ['magnitude', 'random', 'synflow', 'snip', 'grasp']) {
    test(`${method} keeps exactly round(density · N) globally`, async () => {
      T.manualSeed(1);
      const model = new SmallConvNet();
      const N = prunableTotal(model);
      const { masks, record } = await prune(model, {
        method, density: 0.1, iterations: method === 'synflow' ? 3 : 1, input: { source: 'normal', batchSize: 8 },
      });
      assert.equal(record.kept, Math.round(0.1 * N));
      assert.equal(record.total, N);
      assert.equal(record.density, record.kept / N);
      assert.equal(record.layers.reduce((sum, layer) => sum + layer.kept, 0), record.kept);
      assert.equal(masks.density(), record.density);
      assert.ok(masks.isBinary());
      masks.dispose();
    });
  }

  test('local scope keeps round(density · n) in every layer', async () => {
    const model = new SmallConvNet();
    const { masks, record } = await prune(model, { method: 'magnitude', density: 0.3, scope: 'local' });
    for (const layer of record.layers) assert.equal(layer.kept, Math.round(0.3 * layer.total));
    masks.dispose();
  });

  test('compression and sparsity are explicit alternatives to density', async () => {
    const model = deepLinear([100, 50, 10]);
    const N = 100 * 50 + 50 * 10;
    for (const [spec, density] of [[{ compression: 1 }, 0.1], [{ sparsity: 0.95 }, 0.05], [{ compression: 1.699 }, 10 ** -1.699]] as const) {
      const { masks, record } = await prune(model, { method: 'magnitude', ...spec });
      assert.equal(record.kept, Math.round(density * N));
      assert.ok(Math.abs(record.targetDensity - density) < 1e-12);
      masks.dispose();
    }
  });
});

describe('iterative pruning', () => {
  test('follows the exponential schedule exactly and never revives a pruned weight (random scores)', async () => {
    const model = new SmallConvNet();
    const N = prunableTotal(model);
    const iterations = 6;
    const densities = scheduleDensities(0.05, iterations, 'exponential');
    let previous: T.Tensor[] | null = null;
    const counts: number[] = [];
    const { masks } = await prune(model, {
      method: 'random', density: 0.05, iterations, onProgress: (progress: PruneProgress) => {
        counts.push(progress.kept);
        const current = progress.masks.map((mask) => T.keep(mask.clone()));
        if (previous) {
          current.forEach((mask, i) => assert.equal(T.tidy(() => mask.gt(previous![i]).sum().item()), 0, 'a pruned weight came back'));
          for (const mask of previous) mask.dispose();
        }
        previous = current;
      },
    });
    assert.deepEqual(counts, densities.map((density) => keepCount(density, N)));
    for (const mask of previous ?? []) (mask as T.Tensor).dispose();
    masks.dispose();
  });

  test('linear schedule: 1 − (1 − d)·k/K', async () => {
    const model = deepLinear([40, 30, 10]);
    const counts: number[] = [];
    const { masks } = await prune(model, { method: 'snip', density: 0.2, iterations: 4, schedule: 'linear', input: { source: 'sparse', batchSize: 16 }, onProgress: (p) => counts.push(p.kept) });
    assert.deepEqual(counts, [0.8, 0.6, 0.4, 0.2].map((d) => Math.round(d * 1500)));
    masks.dispose();
  });

  test('sketch-random at every iteration or only at the final one keeps the threshold counts per layer', async () => {
    const model = new SmallConvNet();
    for (const selectionAt of ['every', 'final'] as const) {
      const reference = await prune(model, { method: 'magnitude', density: 0.2, iterations: 3 });
      const randomized = await prune(model, { method: 'magnitude', density: 0.2, iterations: 3, selection: 'sketch-random', selectionAt, seed: 4 });
      assert.equal(randomized.record.kept, reference.record.kept);
      if (selectionAt === 'final') {
        assert.deepEqual(randomized.record.layers.map((l) => l.kept), reference.record.layers.map((l) => l.kept));
      }
      reference.masks.dispose();
      randomized.masks.dispose();
    }
  });

  test('sketch selection reports its budget s and keeps at most s weights with scaled values', async () => {
    const model = deepLinear([60, 40, 10]);
    const { masks, record } = await prune(model, { method: 'magnitude', density: 0.1, selection: 'sketch' });
    assert.equal(record.sketchBudget, Math.round(0.1 * 2800));
    assert.ok(record.kept <= record.sketchBudget!);
    assert.equal(record.binary, false);
    assert.equal(masks.isBinary(), false);
    masks.dispose();
  });

  test('ties and all-zero scores do not fail: a model of zero weights prunes to the exact count', async () => {
    const model = deepLinear([20, 10, 5]);
    T.noGrad(() => { for (const weight of model.parameters()) weight.zero_(); });
    const { masks, record } = await prune(model, { method: 'synflow', density: 0.1, iterations: 5 });
    assert.equal(record.kept, Math.round(0.1 * 250));
    masks.dispose();
  });
});

describe('side effects', () => {
  test('the model, its identity, dtypes, buffers, flags and the caller\'s random stream are as before', async () => {
    T.manualSeed(9);
    const model = new SmallConvNet();
    randomizeBatchNorm(model);
    model.train();
    const before = model.stateDict();
    const copies = Object.fromEntries(Object.entries(before).map(([name, tensor]) => [name, T.keep(tensor.clone())]));
    T.manualSeed(123);
    const expectedDraw = T.tidy(() => T.rand([4]).toArray());
    T.manualSeed(123);
    for (const method of ['synflow', 'snip', 'grasp', 'ntk-sketch', 'random']) {
      const { masks } = await prune(model, { method, density: 0.2, iterations: 2, input: { source: 'chi', batchSize: 2 }, trainMode: method === 'snip' });
      masks.dispose();
    }
    assert.deepEqual(T.tidy(() => T.rand([4]).toArray()), expectedDraw);
    for (const [name, tensor] of Object.entries(model.stateDict())) {
      assert.equal(tensor, before[name]);
      assert.equal(T.tidy(() => tensor.eq(copies[name]).all().item()), 1, `${name} unchanged`);
      copies[name].dispose();
    }
    assert.equal(model.training, true);
  });

  test('a scorer that throws leaves the model as it was', async () => {
    const model = new SmallConvNet();
    const weight = model.parameters()[0];
    const copy = T.keep(weight.clone());
    let calls = 0;
    const source = { next: () => { if (++calls > 1) throw new Error('source broke'); return { inputs: T.ones([1, 3, 8, 8]), labels: T.zeros([1], { dtype: 'int64' }) }; } };
    await assert.rejects(prune(model, { method: 'synflow', density: 0.1, iterations: 3, input: { source } }), /source broke/);
    assert.equal(weight.dtype, 'float32');
    assert.equal(T.tidy(() => weight.eq(copy).all().item()), 1);
    copy.dispose();
  });

  test('runs in constant memory: no tensor outlives the run but the masks', async () => {
    const model = new SmallConvNet();
    const warm = await prune(model, { method: 'synflow', density: 0.1, iterations: 2 });
    warm.masks.dispose();
    const before = T.memoryStats();
    for (const iterations of [4, 12]) {
      const { masks } = await prune(model, { method: 'synflow', density: 0.1, iterations, selection: 'sketch-random' });
      masks.dispose();
      assert.deepEqual(T.memoryStats(), before, `after ${iterations} iterations`);
    }
  });
});

describe('record and files', () => {
  test('saves safetensors with the record as metadata and a .pt that torch.load reads', async (t) => {
    const model = new SmallConvNet();
    const { masks, record } = await prune(model, { method: 'magnitude', density: 0.25, seed: 3 });
    assert.equal(record.method, 'magnitude');
    assert.equal(record.seed, 3);
    assert.deepEqual(record.options.selection, 'threshold');
    assert.ok(record.timing.totalMs >= record.timing.scoringMs);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sketchprune-masks-'));
    const file = path.join(dir, 'masks.safetensors');
    const files = saveMasks(masks, record, file, { pt: true });
    assert.deepEqual(files, [file, path.join(dir, 'masks.pt')]);
    const loaded = loadMasks(file);
    assert.deepEqual(loaded.record, record);
    for (const [name, mask] of masks.entries()) assert.equal(T.tidy(() => loaded.masks.get(name).eq(mask).all().item()), 1);
    loaded.masks.dispose();
    if (!hasPyTorch()) { t.diagnostic('skipped the torch.load check: /usr/bin/python3 has no torch'); masks.dispose(); return; }
    const { execFileSync } = await import('node:child_process');
    const out = execFileSync('/usr/bin/python3', ['-c',
      'import json,sys,torch; d=torch.load(sys.argv[1]); print(json.dumps({k: [list(v.shape), float(v.sum())] for k, v in d.items()}))',
      files[1]], { encoding: 'utf8' });
    const fromPython = JSON.parse(out) as Record<string, [number[], number]>;
    for (const layer of record.layers) assert.deepEqual(fromPython[layer.name], [layer.shape, layer.kept]);
    masks.dispose();
  });

  test('the density table lists every layer and the total', async () => {
    const model = deepLinear([30, 20, 10]);
    const { masks, record } = await prune(model, { method: 'magnitude', density: 0.5, scope: 'local' });
    const table = formatDensityTable(record);
    assert.match(table, /^layer\s+shape\s+kept\s+total\s+density$/m);
    assert.match(table, /^1\.weight\s+\[20×30\]\s+300\s+600\s+50\.00%$/m);
    assert.match(table, /^3\.weight\s+\[10×20\]\s+100\s+200\s+50\.00%$/m);
    assert.match(table, /^total\s+400\s+800\s+50\.00%$/m);
    masks.dispose();
  });
});

describe('bad input', () => {
  const model = deepLinear([10, 5]);
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['density 0', { method: 'magnitude', density: 0 }, /density must lie in \(0, 1\] \(the kept fraction\), got 0/],
    ['density 1.5', { method: 'magnitude', density: 1.5 }, /density must lie in \(0, 1\].*got 1.5/],
    ['density NaN', { method: 'magnitude', density: NaN }, /density must be a finite number, got null/],
    ['no density', { method: 'magnitude' }, /needs one of density, compression or sparsity/],
    ['two densities', { method: 'magnitude', density: 0.1, sparsity: 0.9 }, /exactly one of density, compression or sparsity, got density and sparsity/],
    ['negative compression', { method: 'magnitude', compression: -1 }, /compression must be ≥ 0/],
    ['sparsity 1', { method: 'magnitude', sparsity: 1 }, /sparsity must lie in \[0, 1\)/],
    ['unknown method', { method: 'snap', density: 0.1 }, /unknown pruning method 'snap'; known methods: random, magnitude, snip, grasp, synflow, ntk-sketch, imp/],
    ['unknown selection', { method: 'magnitude', density: 0.1, selection: 'best' }, /unknown selection 'best'/],
    ['unknown scope', { method: 'magnitude', density: 0.1, scope: 'layer' }, /unknown scope 'layer'; expected one of global, local/],
    ['unknown schedule', { method: 'magnitude', density: 0.1, schedule: 'cosine' }, /unknown schedule 'cosine'/],
    ['zero iterations', { method: 'magnitude', density: 0.1, iterations: 0 }, /iterations must be a positive integer, got 0/],
    ['snip without input', { method: 'snip', density: 0.1 }, /snip needs input data: pass input.source/],
    ['unknown input', { method: 'snip', density: 0.1, input: { source: 'uniform' } }, /unknown input source 'uniform'/],
    ['real without loader', { method: 'snip', density: 0.1, input: { source: 'real' } }, /input source 'real' needs input.loader/],
    ['imp without training', { method: 'imp', density: 0.1 }, /imp needs options.imp.train/],
    ['negative seed', { method: 'magnitude', density: 0.1, seed: -1 }, /seed must be a non-negative integer, got -1/],
  ];
  for (const [label, options, message] of cases) {
    test(label, async () => {
      await assert.rejects(prune(model, options as never), message);
    });
  }
  test('a model without prunable parameters', async () => {
    await assert.rejects(prune(new Sequential(new ReLU()), { method: 'magnitude', density: 0.1 }),
      /Sequential has no prunable parameters \(looked for conv and linear weights\); nothing to prune/);
  });
});

test('an invalid GraSP temperature is refused before the model is touched', async () => {
  const model = new SmallConvNet();
  const weight = model.parameters()[0];
  const alias = T.keep(weight.detach());
  await assert.rejects(prune(model, { method: 'grasp', density: 0.1, temperature: 0, input: { source: 'normal', batchSize: 2 } }),
    /grasp: temperature must be a positive number, got 0/);
  assert.equal(model.parameters()[0], weight);
  // the parameter still uses its own storage (not a working copy): writing to it shows through the alias
  T.noGrad(() => weight.add_(1));
  assert.equal(T.tidy(() => alias.eq(weight).all().item()), 1);
  alias.dispose();
});
