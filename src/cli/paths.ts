// One output root for every command. Everything a command writes by default goes below it, in one layout:
//   <root>/runs/<experiment>[-<scale>]   experiment runs (demo, run; `-<scale>` unless the scale is cpu)
//   <root>/runs/masks/…, runs/train/…    prune and train outputs
//   <root>/reports/<name>                reports (demo, run, report, sketch)
// The root is `sketchprune --root DIR <command>` (or `--root DIR` anywhere on the line), else $SKETCHPRUNE_HOME,
// else the current directory. Explicit --out/--report paths are used as given.
import fs from 'node:fs';
import path from 'node:path';

export const HOME_VARIABLE = 'SKETCHPRUNE_HOME';

/** The output root: $SKETCHPRUNE_HOME (main sets it from --root) or '.' */
export function outputRoot(): string {
  const home = process.env[HOME_VARIABLE];
  return home !== undefined && home !== '' ? home : '.';
}

/** <root>/runs/<parts…> */
export function runsPath(...parts: string[]): string {
  return path.join(outputRoot(), 'runs', ...parts);
}

/** <root>/reports/<parts…> */
export function reportsPath(...parts: string[]): string {
  return path.join(outputRoot(), 'reports', ...parts);
}

/** The directory name of an experiment at a scale: the name alone at the default (cpu) scale, so `demo` and
 * `run demo` share runs/demo (and `demo --quick` / `run demo --scale quick` share runs/demo-quick). */
export function experimentDirName(name: string, scale: string): string {
  return scale === 'cpu' ? name : `${name}-${scale}`;
}

/**
 * Takes `--root DIR` / `--root=DIR` out of the arguments (wherever it stands) and returns the rest with the
 * root, or an error message for a `--root` without a value.
 */
export function extractRoot(argv: readonly string[]): { argv: string[]; root?: string; error?: string } {
  const rest: string[] = [];
  let root: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') { rest.push(...argv.slice(i)); break; }
    if (arg === '--root') {
      const value = argv[i + 1];
      if (value === undefined || value === '' || value.startsWith('-')) return { argv: rest, error: '--root needs a directory' };
      root = value;
      i++;
    } else if (arg.startsWith('--root=')) {
      root = arg.slice('--root='.length);
      if (root === '') return { argv: rest, error: '--root needs a directory' };
    } else {
      rest.push(arg);
    }
  }
  return { argv: rest, ...(root === undefined ? {} : { root }) };
}

/**
 * An input path as the user gave it; a relative one that does not exist here but does below the output root is
 * taken from there (so `sketchprune --root R report runs/demo` reads R/runs/demo).
 */
export function inputPath(given: string): string {
  if (path.isAbsolute(given) || fs.existsSync(given)) return given;
  const below = path.join(outputRoot(), given);
  return fs.existsSync(below) ? below : given;
}
