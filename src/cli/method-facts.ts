// Help text made from the method and selection registries (pruning/), so `prune --help` and `run --list` never
// restate a method's name, default or input: a newly registered method shows up in both.
import { defaultSelection, inputSourceAliases, listMethods, listSelections, type MethodEntry } from '../pruning/index.js';

/** "100 for synflow, 1 otherwise" / "256 for snip/grasp, 32 for ntk-sketch": a per-method value, grouped. */
export function perMethod(entries: readonly MethodEntry[], value: (entry: MethodEntry) => string | number | undefined,
  otherwise = false): string {
  const groups = new Map<string | number, string[]>();
  for (const entry of entries) {
    const v = value(entry);
    if (v !== undefined) groups.set(v, [...(groups.get(v) ?? []), entry.name]);
  }
  if (groups.size === 1) return String([...groups.keys()][0]);
  const sorted = [...groups].sort((a, b) => a[1].length - b[1].length);
  const common = otherwise && sorted.length > 1 ? sorted.pop() : undefined;
  return [...sorted.map(([v, names]) => `${v} for ${names.join('/')}`), ...(common ? [`${common[0]} otherwise`] : [])].join(', ');
}

/** The methods `sketchprune prune` runs (those that do not train between rounds). */
export const scoringMethods = (): MethodEntry[] => listMethods().filter((entry) => !entry.trains);

/** Per method: its name and defaults, then what it scores (two lines). */
export function methodLines(indent = '  '): string[] {
  const width = Math.max(...listMethods().map((entry) => entry.name.length)) + 2;
  return listMethods().map((entry) => {
    const input = entry.defaults.input;
    const facts = entry.trains ? ['trains between rounds: experiments only (sketchprune run), not sketchprune prune'] : [
      entry.defaults.iterations !== 1 ? `${entry.defaults.iterations} iterations` : '',
      entry.needs === 'none' ? 'data-free' : `input ${input!.source}, batch size ${input!.batchSize}`,
      entry.precisions ? `precision ${entry.precisions.join(' or ')}` : '',
    ].filter(Boolean);
    return `${indent}${entry.name.padEnd(width)}${facts.join(', ')}\n${indent}${' '.repeat(width)}${entry.describe}`;
  });
}

export function selectionLines(indent = '  '): string[] {
  const width = Math.max(...listSelections().map((entry) => entry.name.length)) + 2;
  return listSelections().map((entry) => `${indent}${entry.name.padEnd(width)}${entry.name === defaultSelection ? '(default) ' : ''}${entry.describe}`);
}

/** "'data' is another name for 'real'" for every alias of an input source. */
export function aliasNote(): string {
  return Object.entries(inputSourceAliases).map(([alias, kind]) => `'${alias}' is another name for '${kind}'`).join('; ');
}
