// experiments/: config files and presets, run hashing and directories, orchestration (prune → train →
// evaluate) with skip/resume and parallel workers, and the report of a runs directory.
export { ConfigError, canonicalJson, validate, nonDefaultFields, type FieldSpec, type ObjectField } from './schema-core.js';
export {
  runSchema, validateRunSpec, methodLabel, resolvedInput, pruningMethods, inputSources,
  type RunSpec, type PruningSpec, type TrainSpec, type DataSpec, type AnalysisSpec,
} from './run-spec.js';
export {
  buildExperiment, loadExperiment, readConfigFile, expandGrid, runHash, hashedFields, planRun, scales, availableScales,
  expectedSeconds, formatDuration,
  type Experiment, type PlannedRun, type Scale, type TableSpec, type PlotSpec, type ReportSpec,
} from './experiment.js';
export { onDevice, checkExperimentDevices, parseDevice } from './device.js';
export { presetsDir, presetNames, resolveExperimentFile } from './presets.js';
export { runExperiment, planStates, executeAndRecord, type RunExecutor, type RunContext, type RunOutcome, type ScheduleOptions } from './scheduler.js';
export { runDirectory, runState, readRunSpec, writeExperimentIndex, files as runFiles, type RunState } from './store.js';
export { buildReport, buildTable, statusLine, toMarkdownTables, type ReportOutput, type StatusCounts } from './report-builder.js';
export { readAnalysis, writeAnalysis, type RunAnalysis } from './analysis-file.js';
export { parseShard, shardRuns, shardExperiment, type Shard } from './shard.js';
export {
  slurmArrayScript, slurmOptionProblems, writeSlurmArray, submitSlurmArray, shellQuote, type SlurmArrayOptions, type SlurmArray,
} from './slurm.js';
