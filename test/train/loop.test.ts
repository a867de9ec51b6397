import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { memoryStats, rand, manualSeed, tidy } from '../../src/torch/index.js';
import { MaskSet, prunableParameters } from '../../src/nn/index.js';
import { createSchedule } from '../../src/optim/index.js';
import {
  NonFiniteLossError, loadCheckpoint, readMetrics, trainModel, type StepInfo, type TrainOptions,
} from '../../src/train/index.js';
import { poisoned, smallModel, stateBytes, syntheticData } from './helpers.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sketchprune-train-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));
const tmp = (name: string) => fs.mkdtempSync(path.join(root, `${name}-`));
const recipe = {
  epochs: 4,
  optimizer: { lr: 0.05, momentum: 0.9, weightDecay: 5e-4, nesterov: true },
  schedule: { kind: 'multistep' as const, milestones: [2, 3], gamma: 0.1 },
  seed: 3,
};

function randomMasks(model: ReturnType<typeof smallModel>, density: number, seed: number): MaskSet {
  manualSeed(seed);
  return new MaskSet(prunableParameters(model).map(([name, parameter]) => [name, tidy(() => rand(parameter.shape).lt(density).float())]));
}

test('training learns the synthetic task and reports epoch records, lr by schedule and test metrics', async () => {
  const model = smallModel();
  const train = syntheticData(512, 32);
  const testData = syntheticData(128, 64, 9);
  const lrs: number[] = [];
  const result = await trainModel({ model, trainData: train, testData, ...recipe, onStep: (info) => lrs.push(info.lr) });
  assert.equal(result.stopped, 'finished');
  assert.equal(result.globalStep, 4 * 16);
  assert.equal(result.history.length, 4);
  assert.ok(result.history[3].train_loss < result.history[0].train_loss, 'training loss falls');
  assert.ok(result.test!.top1 > 0.75, `test accuracy ${result.test!.top1}`);
  const schedule = createSchedule({ ...recipe.schedule, baseLr: 0.05, epochs: 4 });
  assert.deepEqual(lrs, Array.from({ length: 64 }, (_, i) => schedule.lrAt(Math.floor(i / 16), i % 16, 16)));
  assert.equal(result.history[3].lr, 0.05 * 0.1 * 0.1);
});

test('masked weights stay exactly zero through every step, with momentum, Nesterov and weight decay', async () => {
  const model = smallModel(2);
  const masks = randomMasks(model, 0.3, 4);
  const initial = new Map(model.namedParameters().map(([name, p]) => [name, p.toArray()]));
  const prunedIndices = new Map(masks.entries().map(([name, mask]) => [name, mask.toArray().flatMap((value, i) => (value === 0 ? [i] : []))]));
  const parameters = new Map(model.namedParameters());
  let checks = 0;
  const check = () => {
    for (const [name, indices] of prunedIndices) {
      const values = parameters.get(name)!.toArray();
      for (const i of indices) assert.ok(Object.is(values[i], 0), `${name}[${i}] = ${values[i]} after step ${checks}`);
    }
    checks++;
  };
  await trainModel({ model, masks, trainData: syntheticData(256, 32), ...recipe, epochs: 6,
    optimizer: { ...recipe.optimizer, weightDecay: 1e-2 }, onStep: check });
  assert.equal(checks, 48);
  // Kept weights did train.
  for (const [name, mask] of masks.entries()) {
    const before = initial.get(name)!;
    const after = parameters.get(name)!.toArray();
    const keptMoved = mask.toArray().some((value, i) => value !== 0 && after[i] !== before[i]);
    assert.ok(keptMoved, `${name}: kept weights changed`);
  }
  assert.ok(masks.density() > 0.2 && masks.density() < 0.4);
});

test('a run killed at any point and resumed ends with bit-identical weights and the same metrics', async () => {
  const options = (dir: string, onStep?: (info: StepInfo) => void): TrainOptions => ({
    model: smallModel(), trainData: syntheticData(200, 32), testData: syntheticData(64, 64, 9), ...recipe,
    checkpointDir: dir, checkpointEverySteps: 3, logEverySteps: 2, onStep,
  });
  // The uninterrupted run, once without checkpoints and once with them: writing checkpoints changes nothing.
  const plain = options(tmp('unused'));
  await trainModel({ ...plain, checkpointDir: undefined });
  const expected = stateBytes(plain.model as ReturnType<typeof smallModel>);
  const referenceDir = tmp('reference');
  const reference = await trainModel(options(referenceDir));
  const fromCheckpoint = smallModel(99);
  const final = loadCheckpoint(referenceDir)!;
  fromCheckpoint.loadStateDict(final.model);
  final.dispose();
  assert.deepEqual(stateBytes(fromCheckpoint), expected, 'checkpointing does not change the result');

  // 7 batches per epoch: kill before the first step checkpoint, mid-epoch, right after an epoch end, and near the end.
  for (const killAt of [2, 10, 14, 15, 27]) {
    const dir = tmp(`kill${killAt}`);
    await assert.rejects(trainModel(options(dir, (info) => {
      if (info.globalStep === killAt) throw new Error('simulated crash');
    })), /simulated crash/);
    const resumedOptions = { ...options(dir), resume: true };
    const resumed = await trainModel(resumedOptions);
    assert.ok(resumed.resumedFrom !== null && resumed.resumedFrom <= killAt);
    assert.deepEqual(stateBytes(resumedOptions.model as ReturnType<typeof smallModel>), expected, `killed at step ${killAt}`);
    assert.deepEqual(resumed.history.map(stripTimes), reference.history.map(stripTimes), `history, killed at step ${killAt}`);
    const lines = readMetrics(path.join(dir, 'metrics.jsonl')).map(stripTimes);
    assert.deepEqual(lines, readMetrics(path.join(referenceDir, 'metrics.jsonl')).map(stripTimes), `metrics, killed at ${killAt}`);
  }

  // A graceful stop at maxSteps, continued later, also lands on the same weights.
  const dir = tmp('maxsteps');
  const first = await trainModel({ ...options(dir), maxSteps: 11 });
  assert.equal(first.stopped, 'maxSteps');
  assert.equal(first.globalStep, 11);
  const continued = { ...options(dir), resume: true };
  await trainModel(continued);
  assert.deepEqual(stateBytes(continued.model as ReturnType<typeof smallModel>), expected);
  // Resuming a finished run trains nothing and reports the stored result.
  const again = await trainModel({ ...options(dir), resume: true });
  assert.equal(again.globalStep, 28);
  assert.deepEqual(again.test, reference.test);
});

test('a NaN loss stops the run with a message naming the step and keeps the last good checkpoint', async () => {
  const dir = tmp('nan');
  const data = poisoned(syntheticData(200, 32), 1, 2);
  const options = { model: smallModel(), trainData: data, ...recipe, checkpointDir: dir };
  await assert.rejects(trainModel(options), (error: unknown) => {
    assert.ok(error instanceof NonFiniteLossError);
    assert.match(error.message, /the loss is NaN at epoch 2, batch 3\/7 \(step 10\)/);
    assert.match(error.message, /the last good checkpoint \(step 7\) is kept in .*checkpoint\.safetensors/);
    return true;
  });
  const kept = loadCheckpoint(dir)!;
  assert.equal(kept.state.globalStep, 7);
  for (const [name, tensor] of Object.entries(kept.model)) {
    if (tensor.dtype === 'float32') assert.ok(tensor.toArray().every(Number.isFinite), `${name} finite`);
  }
  kept.dispose();
  // An exploding learning rate is caught the same way (the loss or the weights turn non-finite).
  await assert.rejects(trainModel({ model: smallModel(), trainData: syntheticData(200, 32), ...recipe, optimizer: { lr: 1e30 } }),
    /(the loss is (NaN|Infinity)|a weight became NaN|the test loss)/);
});

test('resume refuses a checkpoint of other settings and a fresh run refuses to overwrite a checkpoint', async () => {
  const dir = tmp('refuse');
  await trainModel({ model: smallModel(), trainData: syntheticData(64, 32), ...recipe, epochs: 1, checkpointDir: dir });
  await assert.rejects(trainModel({ model: smallModel(), trainData: syntheticData(64, 32), ...recipe, epochs: 1, checkpointDir: dir }),
    /already holds a checkpoint \(epoch 1, step 2\); resume it/);
  await assert.rejects(trainModel({ model: smallModel(), trainData: syntheticData(64, 32), ...recipe, epochs: 1, checkpointDir: dir,
    resume: true, optimizer: { ...recipe.optimizer, lr: 0.2 } }), /other settings \(optimizer: checkpoint \{"lr":0.05.*now \{"lr":0.2/);
  // Masks of a model with batch norm name layer indices that the model without batch norm lacks or shapes differently.
  const masks = randomMasks(smallModel(), 0.5, 1);
  await assert.rejects(trainModel({ model: smallModel(1, { batchNorm: false }), masks, trainData: syntheticData(64, 32), ...recipe }),
    /mask '5\.weight' (names no parameter|has shape).*another architecture/);
  masks.dispose();
});

test('resume accepts the same masks in another order (a mask file stores names sorted)', async () => {
  const dir = tmp('mask-order');
  const model = smallModel();
  const masks = randomMasks(model, 0.5, 2);
  const first = await trainModel({ model, masks, trainData: syntheticData(64, 32), ...recipe, checkpointDir: dir, maxSteps: 3 });
  assert.equal(first.stopped, 'maxSteps');
  const reversed = new MaskSet(masks.entries().reverse().map(([name, mask]) => [name, mask.clone()]));
  const resumed = await trainModel({ model: smallModel(), masks: reversed, trainData: syntheticData(64, 32), ...recipe, checkpointDir: dir, resume: true });
  assert.equal(resumed.resumedFrom, 3);
  assert.equal(resumed.globalStep, 8);
});

test('metrics JSONL has one parsable line per epoch and per logged step', async () => {
  const dir = tmp('metrics');
  await trainModel({ model: smallModel(), trainData: syntheticData(128, 32), testData: syntheticData(64, 64, 9), ...recipe,
    epochs: 2, checkpointDir: dir, logEverySteps: 3 });
  const text = fs.readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8');
  const lines = text.trimEnd().split('\n').map((line) => JSON.parse(line));
  assert.deepEqual(lines.map((line) => `${line.type}@${line.step}`), ['step@3', 'epoch@4', 'step@6', 'epoch@8']);
  for (const line of lines.filter((l) => l.type === 'epoch')) {
    for (const key of ['train_loss', 'train_top1', 'test_loss', 'test_top1', 'test_top5', 'lr', 'images_per_second']) {
      assert.equal(typeof line[key], 'number', `${key} in ${JSON.stringify(line)}`);
    }
    assert.ok(line.test_top1 <= line.test_top5);
  }
});

test('training runs in constant memory', async () => {
  const counts: number[] = [];
  await trainModel({ model: smallModel(), masks: null, trainData: syntheticData(128, 16), testData: syntheticData(64, 32, 9),
    ...recipe, epochs: 5, onEpoch: () => counts.push(memoryStats().tensors) });
  assert.equal(new Set(counts).size, 1, `live tensors per epoch: ${counts}`);
});

function stripTimes<T extends object>(line: T): T {
  const { seconds, images_per_second, ...rest } = line as Record<string, unknown>;
  void seconds; void images_per_second;
  return rest as T;
}
