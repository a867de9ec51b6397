// Selections by name: each entry's function lives in its own file; the facts the CLI, experiment files and
// prune() read about it (its label, whether it is randomized, which options it takes) are declared here. Every
// built-in method's default selection is `defaultSelection`.
import { threshold } from './threshold.js';
import { sketchRandom } from './sketch-random.js';
import { sketch } from './sketch.js';
import type { SelectionEntry } from './types.js';
import { NamedRegistry } from '../named-registry.js';

export const defaultSelection = 'threshold';

const registry = new NamedRegistry<SelectionEntry>('selection', 'selections', [
  threshold,
  { ...sketchRandom, label: 'rand. mask', randomized: true, takesRandomMask: true },
  { ...sketch, label: 'sketch mask', randomized: true },
], (entry) => (typeof entry.select === 'function' ? undefined : 'a selection needs select(request)'));

/** The registered selections, in registration order. */
export const listSelections = (): readonly SelectionEntry[] => registry.list();
export const selectionNames = (): string[] => registry.names();
export const findSelection = (name: string): SelectionEntry => registry.find(name);
/** Adds a selection (a plugin, or a test's toy one); its name must be new. */
export const registerSelection = (entry: SelectionEntry): void => registry.register(entry);
/** Removes a registered selection; true when there was one of that name. */
export const unregisterSelection = (name: string): boolean => registry.unregister(name);
