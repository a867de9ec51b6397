// Presets: the experiment files shipped in presets/ (one per table and figure of the paper, and the demo).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from './schema-core.js';

/** presets/ at the package root (this file is dist/src/experiments/presets.js once compiled). */
export function presetsDir(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'presets');
}

export function presetNames(): string[] {
  const dir = presetsDir();
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((f) => /\.(ya?ml|json)$/.test(f)).map((f) => f.replace(/\.(ya?ml|json)$/, '')).sort();
}

/** A config file path as given, or the preset of that name; an unknown name lists the presets. */
export function resolveExperimentFile(nameOrFile: string): string {
  if (fs.existsSync(nameOrFile) && fs.statSync(nameOrFile).isFile()) return nameOrFile;
  for (const ext of ['.yaml', '.yml', '.json']) {
    const file = path.join(presetsDir(), `${nameOrFile}${ext}`);
    if (fs.existsSync(file)) return file;
  }
  throw new ConfigError(nameOrFile, [`no such config file or preset (presets: ${presetNames().join(', ') || 'none'})`]);
}
