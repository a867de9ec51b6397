// Threshold: keep the k highest scores among the survivors (the standard). Global: one k over all layers; local:
// k per layer. The keep rule (types.ts) picks round(d·N) or Synaptic-Flow's count.
import { tidy } from '../../torch/index.js';
import { globalKeepCount, localKeepCounts, synapticFlowMasks, topKAmongSurvivors, type TopK } from './ranking.js';
import type { SelectionEntry, SelectionOutcome, SelectionRequest } from './types.js';

export function thresholdSelect(request: SelectionRequest): SelectionOutcome {
  return tidy(() => {
    if (request.rule === 'synaptic-flow' && request.keep === undefined) {
      const { masks, counts } = request.scope === 'global'
        ? synapticFlowMasks(request.scores, request.support, request.density, request.names, request.layerSurvivors)
        : layerwise(request, (index) => synapticFlowMasks([request.scores[index]], [request.support[index]], request.density,
          [request.names[index]], request.layerSurvivors ? [request.layerSurvivors[index]] : undefined));
      return { masks, counts, kept: counts.reduce((sum, count) => sum + count, 0) };
    }
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

/** One selection per layer (local scope), joined. */
export function layerwise(request: SelectionRequest, layer: (index: number) => TopK): TopK {
  const results = request.scores.map((_, index) => layer(index));
  return { masks: results.map((r) => r.masks[0]), counts: results.map((r) => r.counts[0]) };
}

export const threshold: SelectionEntry = {
  name: 'threshold', describe: 'keep the highest scores: exactly k, ties broken by position', select: thresholdSelect,
};
