// Threshold: keep the k highest scores among the survivors (the standard). Global: one k over all layers; local:
// k per layer.
import { tidy } from '../../torch/index.js';
import { globalKeepCount, localKeepCounts, topKAmongSurvivors } from './ranking.js';
import type { SelectionEntry, SelectionOutcome, SelectionRequest } from './types.js';

export function thresholdSelect(request: SelectionRequest): SelectionOutcome {
  return tidy(() => {
    if (request.scope === 'global') {
      const k = globalKeepCount(request);
      const { masks, counts } = topKAmongSurvivors(request.scores, request.support, k, request.names, request.layerSurvivors);
      return { masks, counts, kept: k };
    }
    const counts = localKeepCounts(request);
    const masks = request.scores.map((score, index) => topKAmongSurvivors([score], [request.support[index]], counts[index],
      [request.names[index]], request.layerSurvivors ? [request.layerSurvivors[index]] : undefined).masks[0]);
    return { masks, counts, kept: counts.reduce((sum, count) => sum + count, 0) };
  });
}

export const threshold: SelectionEntry = {
  name: 'threshold', describe: 'keep the highest scores: exactly k, ties broken by position', select: thresholdSelect,
};
