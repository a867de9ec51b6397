// Small models and synthetic data for the training tests.
import { manualSeed, randn, setNumThreads, tidy, type Tensor } from '../../src/torch/index.js';
import { BatchNorm1d, Dropout, Flatten, Linear, ReLU, Sequential } from '../../src/nn/index.js';
import { TensorBatches, type BatchSource, type LabelledBatch } from '../../src/train/index.js';

// Tiny models run fastest on one thread; on a busy machine, OpenMP barriers across threads cost ~100× a step.
setNumThreads(1);

export const FEATURES = 12;
export const CLASSES = 4;

/** A small MLP with batch norm (buffers) and dropout (generator draws), initialised from `seed`. */
export function smallModel(seed = 1, options: { dropout?: boolean; batchNorm?: boolean } = {}): Sequential {
  manualSeed(seed);
  const layers = [new Flatten(), new Linear(FEATURES, 24)];
  if (options.batchNorm ?? true) layers.push(new BatchNorm1d(24));
  layers.push(new ReLU());
  if (options.dropout ?? true) layers.push(new Dropout(0.2));
  layers.push(new Linear(24, CLASSES));
  return new Sequential(...layers);
}

/** Learnable synthetic data: labels are the argmax of one fixed random projection of Gaussian inputs. */
export function syntheticData(examples: number, batchSize: number, seed = 5): TensorBatches {
  return tidy(() => {
    manualSeed(1000);
    const projection = randn([FEATURES, CLASSES]);
    manualSeed(seed);
    const inputs = randn([examples, FEATURES]);
    const labels = inputs.matmul(projection).argmax(1);
    return new TensorBatches(inputs, labels, { batchSize, seed });
  });
}

/** The model's parameters and buffers as raw bytes, by name. */
export function stateBytes(model: Sequential): Map<string, Buffer> {
  return new Map(Object.entries(model.stateDict()).map(([name, tensor]) => [name, Buffer.from(tensor.data().buffer as ArrayBuffer)]));
}

/** Wraps a source so that one batch has a NaN input. */
export function poisoned(source: BatchSource, atEpoch: number, atBatch: number): BatchSource {
  return {
    length: source.length,
    seed: source.seed,
    batch(epoch: number, index: number): LabelledBatch {
      const batch = source.batch(epoch, index);
      if (epoch === atEpoch && index === atBatch) {
        const inputs: Tensor = tidy(() => batch.inputs.mul(Number.NaN));
        batch.inputs.dispose();
        return { inputs, labels: batch.labels };
      }
      return batch;
    },
  };
}
