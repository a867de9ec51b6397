// Training: the masked SGD loop, evaluation, checkpoints, metrics and progress display.
export { trainModel, isFinishedRun, type TrainOptions, type TrainResult, type StepInfo, type EpochRecord, type ScheduleSettings } from './loop.js';
export { evaluate, topkCorrect, modelDevice, type EvalResult } from './evaluate.js';
export { PrefetchingBatches, type PrefetchOptions } from './prefetch.js';
export { TensorBatches, type BatchSource, type LabelledBatch, type TensorBatchesOptions } from './batches.js';
export { loadCheckpoint, saveCheckpoint, checkpointPath, CHECKPOINT_FILE, type CheckpointState, type LoadedCheckpoint } from './checkpoint.js';
export { MetricsLog, readMetrics, type MetricsLine } from './metrics-log.js';
export { createProgress, formatDuration, type ProgressMode, type ProgressSink, type StepProgress, type EpochProgress } from './progress.js';
export { NonFiniteLossError } from './errors.js';
export { runTraining, trainingData, type TrainingSpec, type TrainingRunOptions, type TrainingOutcome } from './run-training.js';
export { openRunData, datasetShape, type DataDescription, type RunData } from './data-pipeline.js';
