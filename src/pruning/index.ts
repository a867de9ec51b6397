// pruning/: pruning at initialization — scorers × input sources × selections × schedules × scopes → masks.
export { prune, scoreModel, type ScoreOptions, type PruneOptions, type PruneResult, type PruneProgress, type SelectionAt } from './prune.js';
export { resolveDensity, keepCount, scheduleDensities, scheduleNames, type DensitySpec, type ScheduleName } from './density.js';
export { scorers, methodNames, findScorer } from './scorers/registry.js';
export type { Scorer, ScorerEntry, ScoringContext, BatchSource, ScorerOptions } from './scorers/types.js';
export { selections, selectionNames, findSelection } from './selection/registry.js';
export { topKMasks, synapticFlowMasks, synapticFlowPruneCount } from './selection/ranking.js';
export { sampleWithoutReplacement, layerRandomMask } from './selection/sketch-random.js';
export { algorithm1Mask } from './selection/sketch.js';
export { scopeNames, keepRules, maskValueKinds, type Scope, type KeepRule, type RandomMaskOptions, type SelectionEntry, type SelectionRequest, type SelectionOutcome } from './selection/types.js';
export { resolveInput, type PruneInputOptions, type InputDescription } from './inputs.js';
export { collectPrunable, type PrunableParameter } from './working-weights.js';
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
