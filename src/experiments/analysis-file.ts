// analysis.json in a run directory: the raw numbers behind the paper's figures, written by the executor when
// the run's `analysis` settings ask for them and read back by the report. Plain JSON, no tensors.
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../foundations/atomic.js';

export const ANALYSIS_FILE = 'analysis.json';

export interface LayerNorm {
  name: string;
  /** ‖w⁰ ⊙ m‖_F of the run's mask (the ticket). */
  ticket: number;
  /** Mean of ‖w⁰ ⊙ m_random‖_F over random masks with the same per-layer keep counts. */
  random: number;
  /** Weights the mask keeps in this layer, of `total`. */
  kept: number;
  total: number;
}

export interface RunAnalysis {
  /** Figure 1a: initial values of the kept weights (a seeded sample of at most 20,000). */
  keptWeights?: number[];
  /** Figure 1b: scores of a seeded sample of weights, and whether this run's mask kept each. */
  scoreSample?: { scores: number[]; kept: boolean[] };
  /** Figure 2a: per-level (IMP) or final per-layer norms of the ticket vs random masks. */
  maskNorms?: { density: number; layers: LayerNorm[] }[];
  /** Figure 2b: norms of many random masks at the final density, per layer, with the ticket's norm. */
  randomMaskNorms?: { density: number; layers: { name: string; ticket: number; random: number[] }[] };
}

export function writeAnalysis(dir: string, analysis: RunAnalysis): void {
  writeFileAtomic(path.join(dir, ANALYSIS_FILE), JSON.stringify(analysis));
}

export function readAnalysis(dir: string): RunAnalysis | undefined {
  const file = path.join(dir, ANALYSIS_FILE);
  if (!fs.existsSync(file)) return undefined;
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as RunAnalysis;
  } catch (error) {
    throw new Error(`${file}: invalid JSON (${(error as Error).message})`);
  }
}
