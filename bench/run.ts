// `npm run bench`: the engine against PyTorch on the same machine in the same run. Rounds of both sides are
// interleaved so that load from other processes hits both alike; each cell is the median over rounds.
//   node dist/bench/run.js [--rounds N] [--threads N] [--only substring] [--python /usr/bin/python3]
import { availableParallelism, cpus } from 'node:os';
import { parseArgs } from 'node:util';
import * as T from '../src/torch/index.js';
import { PyTorchReference } from './pytorch-client.js';
import { workloads } from './workloads.js';

const { values: options } = parseArgs({
  options: {
    rounds: { type: 'string', default: '9' },
    threads: { type: 'string', default: String(availableParallelism()) },
    only: { type: 'string' },
    python: { type: 'string', default: '/usr/bin/python3' },
    help: { type: 'boolean', default: false },
  },
});
if (options.help) {
  console.log('usage: node dist/bench/run.js [--rounds N (default 7)] [--threads N (default: all cores)] ' +
    '[--only substring-of-row-name] [--python path (default /usr/bin/python3)]');
  process.exit(0);
}
const rounds = Number(options.rounds);
const allThreads = Number(options.threads);
if (!Number.isInteger(rounds) || rounds < 1) throw new RangeError(`--rounds must be a positive integer, got ${options.rounds}`);
if (!Number.isInteger(allThreads) || allThreads < 1) throw new RangeError(`--threads must be a positive integer, got ${options.threads}`);

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const format = (value: number, unit: string) => `${value < 10 ? value.toFixed(3) : value.toFixed(1)} ${unit}`;

async function main(): Promise<void> {
  const { reference, version } = await PyTorchReference.start(options.python!);
  const references = new Map<string, PyTorchReference>([['{}', reference]]);
  const referenceFor = async (env: Record<string, string> = {}): Promise<PyTorchReference> => {
    const key = JSON.stringify(env);
    if (!references.has(key)) references.set(key, (await PyTorchReference.start(options.python!, env)).reference);
    return references.get(key)!;
  };
  const info = T.buildInfo();
  console.log(`sketchprune engine (libtorch ${info.torchVersion}) vs PyTorch ${version}; ${cpus()[0]?.model ?? 'cpu'}, ` +
    `${availableParallelism()} cores; times are medians of ${rounds} rounds (after one warm-up round), each of ours ` +
    'followed by one of PyTorch\'s; ratio = median of these paired ratios');
  const rows: string[][] = [];
  try {
    for (const workload of workloads.filter((w) => !options.only || w.label.includes(options.only!))) {
      const threads = workload.threads === 'one' ? 1 : allThreads;
      T.setNumThreads(threads);
      const ours: number[] = [];
      const theirs: number[] = [];
      const round = workload.create();
      const theirRound = await referenceFor(workload.referenceEnv);
      for (let r = 0; r <= rounds; r++) {
        const oursValue = round();
        const theirsValue = await theirRound.round(workload.reference, threads);
        if (theirsValue.threads !== threads) throw new Error(`PyTorch ran ${theirsValue.threads} threads, not ${threads}`);
        if (r > 0) { ours.push(oursValue); theirs.push(theirsValue.value); }
      }
      // Each round of ours ran right before one of PyTorch's: the median of these paired ratios resists load
      // that drifts during the run better than the ratio of the two medians.
      const ratio = median(ours.map((value, i) => value / theirs[i]));
      rows.push([`${workload.label}, ${threads} thread${threads > 1 ? 's' : ''}`, format(median(ours), workload.unit),
        format(median(theirs), workload.unit), `${ratio.toFixed(2)}×`]);
      process.stderr.write(`  done: ${workload.label}\n`);
    }
  } finally {
    for (const each of references.values()) each.close();
  }
  const header = ['name', 'ours', 'pytorch', 'ratio'];
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => `| ${cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((width, i) => (i === 0 ? ':' : '') + '-'.repeat(width + 1) + (i === 0 ? '' : ':')).join('|')}|`);
  for (const row of rows) console.log(line(row));
}

main().catch((error) => {
  console.error(`bench: ${(error as Error).message}`);
  process.exitCode = 1;
});
