// pruning/: pruning at initialization — scorers × input sources × selections × schedules × scopes → masks.
export { prune, scoreModel } from './prune.js';
export type {
  ScoreOptions, PruneOptions, PruneResult, PruneProgress, SelectionAt, Precision, MethodEntry, MethodEntry as ScorerEntry,
  ScoringMethod, TrainingMethod, MethodDefaults, MethodRun, InputDefaults, InputNeeds,
} from './types.js';
export { resolveDensity, keepCount, scheduleDensities, scheduleNames, type DensitySpec, type ScheduleName } from './density.js';
export { listMethods, methodNames, findMethod, registerMethod, unregisterMethod } from './scorers/registry.js';
export type { Scorer, ScoringContext, BatchSource, ScorerOptions } from './scorers/types.js';
export { listSelections, selectionNames, findSelection, defaultSelection, registerSelection, unregisterSelection } from './selection/registry.js';
export { topKMasks, synapticFlowMasks, synapticFlowPruneCount } from './selection/ranking.js';
export { sampleWithoutReplacement, layerRandomMask } from './selection/sketch-random.js';
export { algorithm1Mask } from './selection/sketch.js';
export { scopeNames, keepRules, maskValueKinds, randomMaskDefaults, type Scope, type KeepRule, type RandomMaskOptions, type SelectionEntry, type SelectionRequest, type SelectionOutcome } from './selection/types.js';
export { resolveInput, canonicalInputSource, inputSourceAliases, type PruneInputOptions, type InputDescription } from './inputs.js';
export { collectPrunable, type PrunableParameter } from './working-weights.js';
export { PruneSession } from './session.js';
export { pruneImp, roundsForFraction, groupRoundCounts, parameterGroups, groupNames, type ImpOptions, type GroupFractions, type GroupName } from './imp.js';
export {
  saveMasks, loadMasks, formatDensityTable, layerRecords, summarize, RECORD_METADATA_KEY,
  type PruneRecord, type LayerRecord, collapsedLayers, collapseWarning,
} from './record.js';
export {
  uniformMask, keptValues, weightValues, scoreSubsetSeries, histogramData, wantsLogBins, figure1Data,
  type Figure1Data, type Figure1Options,
  type HistogramData, type HistogramSeriesData,
} from './figures.js';
