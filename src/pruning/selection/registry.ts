// Selections by name.
import { threshold } from './threshold.js';
import { sketchRandom } from './sketch-random.js';
import { sketch } from './sketch.js';
import type { SelectionEntry } from './types.js';

export const selections: readonly SelectionEntry[] = Object.freeze([threshold, sketchRandom, sketch]);
export const selectionNames: readonly string[] = selections.map((entry) => entry.name);

export function findSelection(name: string): SelectionEntry {
  const entry = selections.find((candidate) => candidate.name === name);
  if (!entry) throw new TypeError(`unknown selection '${String(name)}'; known selections: ${selectionNames.join(', ')}`);
  return entry;
}
