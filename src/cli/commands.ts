// The command registry. Each command module exports `run(argv): Promise<number | void>` and prints its own
// --help; modules load lazily so `sketchprune --help` starts fast.
export interface CommandModule { run(argv: string[]): Promise<number | undefined> }
export interface CommandEntry {
  name: string;
  aliases?: string[];
  summary: string;
  load(): Promise<CommandModule>;
}

export const commands: CommandEntry[] = [
  { name: 'info', summary: 'libtorch version, threads, CUDA availability', load: () => import('./info.js') },
  { name: 'run', summary: 'run an experiment (preset or config file): prune, train, report; resumes', load: () => import('./run.js') },
  { name: 'report', summary: 'tables, plots and an HTML page from a runs directory', load: () => import('./report.js') },
  { name: 'demo', summary: 'SynFlow ± randomized mask on Fashion-MNIST, trained and reported (time: demo --help)', load: () => import('./demo.js') },
  { name: 'datasets', summary: 'which datasets are installed, where, and their sizes', load: () => import('./datasets.js') },
  { name: 'train', summary: 'train a model on a dataset (SGD, schedules, fixed mask, checkpoints, resume)', load: () => import('./train.js') },
  { name: 'launch', summary: 'train (or run) as N data-parallel processes over c10d/Gloo, torchrun-style', load: () => import('./launch.js') },
  { name: 'prune', summary: 'prune a model at initialization (SynFlow, SNIP, GraSP, …; threshold or randomized masks)', load: () => import('./prune.js') },
  { name: 'sketch', summary: 'the paper\'s linear sketching theory: verify its statements, compare masks', load: () => import('./sketch.js') },
];
