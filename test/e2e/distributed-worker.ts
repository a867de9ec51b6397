// One process of the data-parallel tests (test/e2e/distributed.test.ts): trains a masked MLP on synthetic data
// with trainModel, in the process group that RANK/WORLD_SIZE/MASTER_ADDR/MASTER_PORT describe (alone without
// them), and writes its own final parameters to <out>/rank<R>.safetensors. Usage:
//   node distributed-worker.js '{"out": DIR, "batchSize": 64, "examples": 2523, "epochs": 1, ...}'
import fs from 'node:fs';
import path from 'node:path';
import { manualSeed, noGrad, rand, randn, saveSafetensors, setNumThreads, tidy } from '../../src/torch/index.js';
import { BatchNorm1d, Linear, MaskSet, ReLU, Sequential, type Module } from '../../src/nn/index.js';
import { TensorBatches, trainModel } from '../../src/train/index.js';
import { processGroup } from '../../src/distributed/index.js';

interface WorkerOptions {
  out: string;
  /** Per-rank batch size; the data source yields batches of batchSize × world size. */
  batchSize: number;
  examples: number;
  epochs: number;
  checkpointDir?: string;
  resume?: boolean;
  maxSteps?: number;
  batchNorm?: boolean;
  /** Print "step N" after every step (the kill test waits for it) and sleep this long per step. */
  stepDelayMs?: number;
  /** This rank stops answering (busy for stallMs) after step 2, then exits. */
  stallRank?: number;
  stallMs?: number;
}

const FEATURES = 32;
const CLASSES = 5;

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2]) as WorkerOptions;
  setNumThreads(1);
  const group = processGroup();
  const rank = group?.rank ?? 0;
  const worldSize = group?.worldSize ?? 1;

  const data = tidy(() => {
    manualSeed(1000);
    const projection = randn([FEATURES, CLASSES]);
    manualSeed(7);
    const inputs = randn([options.examples, FEATURES]);
    return new TensorBatches(inputs, inputs.matmul(projection).argmax(1), { batchSize: options.batchSize * worldSize, seed: 3 });
  });
  // Every rank starts from different weights and masks (seeded by rank): rank 0's must reach all of them.
  manualSeed(11 + 1000 * rank);
  const layers: Module[] = [new Linear(FEATURES, 64)];
  if (options.batchNorm) layers.push(new BatchNorm1d(64));
  const model = new Sequential(...layers, new ReLU(), new Linear(64, 64), new ReLU(), new Linear(64, CLASSES));
  const masks = new MaskSet(model.namedParameters().filter(([name]) => name.endsWith('weight') && !name.startsWith('1.'))
    .map(([name, weight]) => [name, tidy(() => rand(weight.shape).lt(0.3).float())]));
  masks.applyTo(model);

  const result = await trainModel({
    model, masks, trainData: data, epochs: options.epochs, seed: 5,
    optimizer: { lr: 0.05, momentum: 0.9, weightDecay: 1e-3 },
    checkpointDir: options.checkpointDir, resume: options.resume, maxSteps: options.maxSteps, distributed: group,
    onStep: (info) => {
      if (options.stallRank === rank && info.globalStep === 2) {
        const until = Date.now() + (options.stallMs ?? 0);
        while (Date.now() < until) { /* not answering */ }
        process.exit(0);
      }
      if (options.stepDelayMs === undefined) return;
      process.stdout.write(`step ${info.globalStep}\n`);
      const until = Date.now() + options.stepDelayMs;
      while (Date.now() < until) { /* a slow step */ }
    },
  });
  fs.mkdirSync(options.out, { recursive: true });
  const state = noGrad(() => model.stateDict());
  const masksOut = Object.fromEntries(masks.entries().map(([name, mask]) => [`mask/${name}`, mask]));
  saveSafetensors(path.join(options.out, `rank${rank}.safetensors`), { ...state, ...masksOut },
    { result: JSON.stringify({ stopped: result.stopped, globalStep: result.globalStep, train: result.train, history: result.history }) });
  group?.destroy();
}

main().catch((error) => {
  process.stderr.write(`worker failed: ${(error as Error).message}\n`);
  process.exit(1);
});
