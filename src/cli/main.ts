// `sketchprune <command>`: finds the command in the registry and runs it; no logic of its own.
import { commands } from './commands.js';

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    printUsage();
    return name ? 0 : 1;
  }
  const command = commands.find((entry) => entry.name === name || entry.aliases?.includes(name));
  if (!command) {
    console.error(`sketchprune: unknown command '${name}'. Commands: ${commands.map((entry) => entry.name).join(', ')}`);
    return 2;
  }
  const module = await command.load();
  return (await module.run(rest)) ?? 0;
}

function printUsage(): void {
  const width = Math.max(...commands.map((entry) => entry.name.length));
  console.log('sketchprune: prune neural networks at initialization (the sketching perspective)\n');
  console.log('Usage: sketchprune <command> [options]   (sketchprune <command> --help for its options)\n');
  for (const entry of commands) console.log(`  ${entry.name.padEnd(width)}  ${entry.summary}`);
}
