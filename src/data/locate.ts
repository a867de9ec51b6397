// Where datasets and caches live: an explicit directory, then the dataset's environment variable, then
// SKETCHPRUNE_DATA/<folder>, then the user's data directory (where `sketchprune datasets fetch` unpacks by
// default), then the standard install places.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface LocateRule {
  /** Dataset name, for messages. */
  name: string;
  /** The dataset's own environment variable, e.g. FASHION_MNIST_DIR. */
  envVar: string;
  /** Folder names tried under SKETCHPRUNE_DATA (the first is the canonical one). */
  folders: string[];
  /** Absolute default places, tried last. */
  defaults: string[];
  /** True when a directory holds this dataset (its marker files exist). */
  looksLikeDataset(dir: string): boolean;
}

export interface Located {
  dir: string;
  /** How the directory was chosen: 'option', the environment variable's name, or 'default'. */
  via: string;
}

export interface LocateOptions {
  /** Explicit dataset directory; wins over everything else. */
  dir?: string;
  /** Environment to read (default process.env); tests pass their own. */
  env?: NodeJS.ProcessEnv;
}

/** Every place searched, in order, with how it was found; explicit choices come first and are not probed. */
export function candidatePlaces(rule: LocateRule, options: LocateOptions = {}): Array<Located & { explicit: boolean }> {
  const env = options.env ?? process.env;
  const places: Array<Located & { explicit: boolean }> = [];
  if (options.dir) places.push({ dir: path.resolve(options.dir), via: 'option', explicit: true });
  const own = env[rule.envVar];
  if (own) places.push({ dir: path.resolve(own), via: rule.envVar, explicit: true });
  const root = env.SKETCHPRUNE_DATA;
  if (root) {
    // A data root that does not exist is a typo or an unmounted disk: say so instead of quietly using another copy.
    if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) {
      throw new Error(`${rule.name}: SKETCHPRUNE_DATA=${root} is not a directory; fix or unset it`);
    }
    for (const folder of rule.folders) places.push({ dir: path.resolve(root, folder), via: 'SKETCHPRUNE_DATA', explicit: false });
  }
  const user = userDataDir(env);
  if (user) for (const folder of rule.folders) places.push({ dir: path.join(user, folder), via: 'user data', explicit: false });
  for (const dir of rule.defaults) places.push({ dir, via: 'default', explicit: false });
  return places;
}

/**
 * The user's dataset directory: $XDG_DATA_HOME/sketchprune/datasets, else ~/.local/share/sketchprune/datasets
 * (null when the environment names no home, as in tests that pass their own environment).
 */
export function userDataDir(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.XDG_DATA_HOME) return path.resolve(env.XDG_DATA_HOME, 'sketchprune', 'datasets');
  if (env.HOME) return path.resolve(env.HOME, '.local', 'share', 'sketchprune', 'datasets');
  return null;
}

/**
 * The dataset directory, or null when none is found. An explicit directory (option or the dataset's own
 * environment variable) is returned as is, so that a wrong path gives an error naming the missing file
 * rather than a silent fallback to another copy.
 */
export function locateDataset(rule: LocateRule, options: LocateOptions = {}): Located | null {
  for (const place of candidatePlaces(rule, options)) {
    if (place.explicit) return { dir: place.dir, via: place.via };
    if (rule.looksLikeDataset(place.dir)) return { dir: place.dir, via: place.via };
  }
  return null;
}

/** Like locateDataset, but throws an error that lists the places searched and how to point at the data. */
export function requireDataset(rule: LocateRule, options: LocateOptions = {}): Located {
  const found = locateDataset(rule, options);
  if (found) {
    if (!fs.existsSync(found.dir)) {
      throw new Error(`${rule.name}: directory ${found.dir} (from ${found.via}) does not exist`);
    }
    return found;
  }
  const searched = candidatePlaces(rule, options).map((place) => `${place.dir} (${place.via})`);
  throw new Error(`${rule.name}: dataset not found; searched ${searched.length ? searched.join(', ') : 'nowhere'}. ` +
    `Set ${rule.envVar}=<dir> or SKETCHPRUNE_DATA=<root> (with <root>/${rule.folders[0]}), or pass a directory.`);
}

/** The cache directory: SKETCHPRUNE_CACHE, else $XDG_CACHE_HOME/sketchprune, else ~/.cache/sketchprune. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SKETCHPRUNE_CACHE) return path.resolve(env.SKETCHPRUNE_CACHE);
  if (env.XDG_CACHE_HOME) return path.resolve(env.XDG_CACHE_HOME, 'sketchprune');
  return path.join(os.homedir(), '.cache', 'sketchprune');
}
