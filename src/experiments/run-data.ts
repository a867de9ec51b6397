// The data of one experiment run: its RunSpec as a description for the shared data pipeline (train/data-pipeline:
// train/test batch sources, the pruning input source, IMP's fixed random training set).
import { openRunData, type DataDescription, type RunData } from '../train/index.js';
import { resolvedInput, type RunSpec } from './run-spec.js';

export type { RunData };

/** The pipeline description of a run: its data section, recipe batch size, seed, device and pruning input. */
export function runDataDescription(spec: RunSpec): DataDescription {
  const input = resolvedInput(spec.pruning);
  return {
    dataset: spec.dataset, root: spec.data.root || null,
    trainSubset: spec.data.trainSubset, testSubset: spec.data.testSubset,
    seed: spec.seed, device: spec.device,
    train: { batchSize: spec.train.batchSize, augment: spec.data.augment, maxStepsPerEpoch: spec.train.maxStepsPerEpoch },
    test: { batchSize: spec.dataset === 'synthetic' ? 512 : 1000 }, // evaluation batches (not part of the recipe)
    pruning: {
      // the real data's batches are drawn in an order of their own (seed + 7919)
      input, batchSize: spec.pruning.batchSize,
      seed: spec.seed + 7919, chiDimension: spec.pruning.chiDimension,
    },
  };
}

/** Loads (or synthesizes) the run's dataset; inputs are normalized by the training split's channel statistics. */
export function loadRunData(spec: RunSpec): RunData {
  return openRunData(runDataDescription(spec));
}
