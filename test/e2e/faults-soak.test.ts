// Soak: 10,000 training steps and 50 pruning calls in one process. After warm-up, live tensors stay exactly
// constant and RSS stays flat (bounded growth): no leak in the training loop, SynFlow or the handle table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createModel } from '../../src/nn/index.js';
import { memoryStats, setNumThreads } from '../../src/torch/index.js';
import { native } from '../../src/torch/native.js';
import { trainModel } from '../../src/train/index.js';
import { prune } from '../../src/pruning/index.js';
import { smallModel, syntheticData } from '../train/helpers.js';

setNumThreads(1);
const megabytes = (): number => process.memoryUsage().rss / 2 ** 20;

test('10,000 training steps: live tensors constant and RSS flat after warm-up', async () => {
  const model = smallModel(1, { dropout: true, batchNorm: true });
  const data = syntheticData(512, 32); // 16 steps per epoch
  const samples: { step: number; rss: number; tensors: number; slots: number }[] = [];
  const result = await trainModel({
    model, trainData: data, epochs: 625, seed: 1, optimizer: { lr: 0.01, momentum: 0.9, weightDecay: 5e-4 },
    onStep: ({ globalStep }) => {
      if (globalStep % 1000 === 0) samples.push({ step: globalStep, rss: megabytes(), tensors: memoryStats().tensors, slots: native.handleStats().slots });
    },
  });
  assert.equal(result.globalStep, 10000);
  const warm = samples.find((s) => s.step === 2000)!;
  const last = samples[samples.length - 1]!;
  for (const sample of samples.filter((s) => s.step >= 2000)) assert.equal(sample.tensors, warm.tensors, `live tensors at step ${sample.step}`);
  assert.ok(last.slots <= warm.slots + 4, `handle table size flat (${warm.slots} → ${last.slots})`);
  assert.ok(last.rss - warm.rss < 24, `RSS ${warm.rss.toFixed(1)} → ${last.rss.toFixed(1)} MB from step 2,000 to 10,000`);
  console.log(`soak/train: RSS ${samples.map((s) => s.rss.toFixed(0)).join(' ')} MB every 1,000 steps; live tensors ${warm.tensors}`);
  model.dispose();
  data.dispose?.();
});

test('50 SynFlow pruning calls on a small CNN: live tensors constant and RSS flat after warm-up', async () => {
  const model = createModel('conv2', { inputShape: [3, 32, 32], numClasses: 10 });
  const samples: { call: number; rss: number; tensors: number; inUse: number }[] = [];
  for (let call = 1; call <= 50; call++) {
    const { masks } = await prune(model, { method: 'synflow', density: 0.05, iterations: 10, seed: call });
    masks.dispose();
    samples.push({ call, rss: megabytes(), tensors: memoryStats().tensors, inUse: native.mallocStats().inUse / 2 ** 20 });
  }
  const warm = samples[9]!;
  const last = samples[49]!;
  for (const sample of samples.slice(9)) assert.equal(sample.tensors, warm.tensors, `live tensors after call ${sample.call}`);
  assert.ok(last.rss - warm.rss < 24, `RSS ${warm.rss.toFixed(1)} → ${last.rss.toFixed(1)} MB from call 10 to 50`);
  // Bytes malloc has handed out (libtorch's native allocations included, which memoryStats does not see).
  assert.ok(last.inUse - warm.inUse < 2, `malloc in use ${warm.inUse.toFixed(1)} → ${last.inUse.toFixed(1)} MB`);
  console.log(`soak/prune: malloc in use ${warm.inUse.toFixed(1)} → ${last.inUse.toFixed(1)} MB`);
  console.log(`soak/prune: RSS ${samples.filter((s) => s.call % 5 === 0).map((s) => s.rss.toFixed(0)).join(' ')} MB every 5 calls; live tensors ${warm.tensors}`);
  model.dispose();
});
