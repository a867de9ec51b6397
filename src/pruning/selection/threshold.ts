// Threshold: keep the k highest scores (the standard). Global: one k over all layers; local: k per layer.
import { tidy } from '../../torch/index.js';
import { globalKeepCount, localKeepCounts, rankableScores, topKMasks } from './ranking.js';
import type { SelectionEntry, SelectionOutcome, SelectionRequest } from './types.js';

export function thresholdSelect(request: SelectionRequest): SelectionOutcome {
  return tidy(() => {
    const ranked = rankableScores(request);
    if (request.scope === 'global') return { masks: topKMasks(ranked, globalKeepCount(request)) };
    const counts = localKeepCounts(request);
    return { masks: ranked.map((score, index) => topKMasks([score], counts[index])[0]) };
  });
}

export const threshold: SelectionEntry = {
  name: 'threshold', describe: 'keep the highest scores: exactly k, ties broken by position', select: thresholdSelect,
};
