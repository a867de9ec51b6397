// Data-parallel training over torch.distributed's c10d: rendezvous from torchrun's environment variables, start-up
// broadcast, bucketed gradient all-reduce, metric reduction and the sharded sampler. Used by train/.
export { DataParallel, processGroup, type StepTotals, type DataParallelOptions } from './data-parallel.js';
export { readLaunchEnvironment, DEFAULT_TIMEOUT_SECONDS, type LaunchEnvironment } from './environment.js';
export { shardRange, shardPositions, type RowRange } from './sampler.js';
export { planBuckets, DEFAULT_BUCKET_BYTES, type BucketItem } from './buckets.js';
