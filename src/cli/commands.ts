// The command registry. Each command module exports `run(argv): Promise<number | void>` and prints its own
// --help; modules load lazily so `sketchprune --help` starts fast.
export interface CommandModule { run(argv: string[]): Promise<number | void> }
export interface CommandEntry {
  name: string;
  aliases?: string[];
  summary: string;
  load(): Promise<CommandModule>;
}

export const commands: CommandEntry[] = [
  { name: 'info', summary: 'libtorch version, threads, CUDA availability', load: () => import('./info.js') },
  { name: 'datasets', summary: 'which datasets are installed, where, and their sizes', load: () => import('./datasets.js') },
];
