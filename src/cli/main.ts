// `sketchprune <command>`: finds the command in the registry and runs it; handles what every command shares:
// --version, the output root (--root DIR / SKETCHPRUNE_HOME), and the exit statuses (0 ok, 1 runtime error,
// 2 usage error; see usage.ts).
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { commands } from './commands.js';
import { HOME_VARIABLE, extractRoot } from './paths.js';
import { EXIT_RUNTIME, EXIT_USAGE, isUsageError } from './args.js';

/** The package version (package.json). */
export function version(): string {
  const file = fileURLToPath(new URL('../../../package.json', import.meta.url));
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
}

export async function main(argv: string[]): Promise<number> {
  const extracted = extractRoot(argv);
  if (extracted.error !== undefined) {
    console.error(`sketchprune: ${extracted.error} (see sketchprune --help)`);
    return EXIT_USAGE;
  }
  if (extracted.root !== undefined) process.env[HOME_VARIABLE] = extracted.root; // children (workers) inherit it
  const [name, ...rest] = extracted.argv;
  if (name === '--version' || name === '-V' || name === 'version') {
    console.log(`sketchprune ${version()}`);
    return 0;
  }
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    printUsage();
    return name ? 0 : EXIT_USAGE;
  }
  const command = commands.find((entry) => entry.name === name || entry.aliases?.includes(name));
  if (!command) {
    console.error(`sketchprune: unknown command '${name}'. Commands: ${commands.map((entry) => entry.name).join(', ')}`);
    return EXIT_USAGE;
  }
  const module = await command.load();
  try {
    return (await module.run(rest)) ?? 0;
  } catch (error) {
    if (isUsageError(error)) {
      console.error(`sketchprune ${command.name}: ${(error as Error).message} (see sketchprune ${command.name} --help)`);
      return EXIT_USAGE;
    }
    console.error(`sketchprune ${command.name}: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT_RUNTIME;
  }
}

function printUsage(): void {
  const width = Math.max(...commands.map((entry) => entry.name.length));
  console.log(`sketchprune ${version()}: prune neural networks at initialization (the sketching perspective)\n`);
  console.log('Usage: sketchprune [--root DIR] <command> [options]   (sketchprune <command> --help for its options)\n');
  for (const entry of commands) console.log(`  ${entry.name.padEnd(width)}  ${entry.summary}`);
  console.log(`
Every command writes below one output root: runs/ (experiments, masks, training) and reports/. The root is
--root DIR, else $${HOME_VARIABLE}, else the current directory.
Exit status: 0 ok, 1 runtime error (e.g. a run failed), 2 usage error (nothing was done).
  --root DIR     output root for this command
  --version, -V  print the version`);
}
