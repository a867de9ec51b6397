// Selections by name: each entry's function lives in its own file; the facts the CLI, experiment files and prune()
// read about it (its label, whether it is randomized, which options it takes) are declared here. The default selection of every built-in
// method is `defaultSelection`.
import { threshold } from './threshold.js';
import { sketchRandom } from './sketch-random.js';
import { sketch } from './sketch.js';
import type { SelectionEntry } from './types.js';

export const defaultSelection = 'threshold';

const registered: SelectionEntry[] = [
  threshold,
  { ...sketchRandom, label: 'rand. mask', randomized: true, takesRandomMask: true },
  { ...sketch, label: 'sketch mask', randomized: true },
];

/** The registered selections, in registration order. */
export function listSelections(): readonly SelectionEntry[] {
  return [...registered];
}

export function selectionNames(): string[] {
  return registered.map((entry) => entry.name);
}

export function findSelection(name: string): SelectionEntry {
  const entry = registered.find((candidate) => candidate.name === name);
  if (!entry) throw new TypeError(`unknown selection '${String(name)}'; known selections: ${selectionNames().join(', ')}`);
  return entry;
}

/** Adds a selection (a plugin, or a test's toy one); its name must be new. */
export function registerSelection(entry: SelectionEntry): void {
  if (!entry || typeof entry.name !== 'string' || !/^[a-z0-9][a-z0-9-]*$/.test(entry.name)) {
    throw new TypeError(`a selection needs a lower-case name of letters, digits and dashes, got ${JSON.stringify(entry?.name)}`);
  }
  if (typeof entry.select !== 'function') throw new TypeError(`selection '${entry.name}' needs select(request)`);
  if (registered.some((candidate) => candidate.name === entry.name)) throw new TypeError(`selection '${entry.name}' is already registered`);
  registered.push(entry);
}

/** Removes a registered selection; true when there was one of that name. */
export function unregisterSelection(name: string): boolean {
  const index = registered.findIndex((candidate) => candidate.name === name);
  if (index >= 0) registered.splice(index, 1);
  return index >= 0;
}
