// `npm run bench`: the engine against PyTorch on the same machine in the same run. Rounds of both sides are
// interleaved so that load from other processes hits both alike. Two tables: wall-clock time (best round) and
// CPU time of all threads (median round), which a busy machine disturbs far less.
//   node dist/bench/run.js [--rounds N] [--threads N] [--only substring] [--python /usr/bin/python3]
import { availableParallelism, cpus } from 'node:os';
import { parseArgs } from 'node:util';
import * as T from '../src/torch/index.js';
import { PyTorchReference } from './pytorch-client.js';
import { workloads, type Timing } from './workloads.js';

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

type Row = { label: string; unit: string; wall: [number, number]; cpu: [number, number] };

function printTable(title: string, rows: string[][]): void {
  const header = ['name', 'ours', 'pytorch', 'ratio'];
  const widths = header.map((text, i) => Math.max(text.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => `| ${cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join(' | ')} |`;
  console.log(`\n${title}`);
  console.log(line(header));
  console.log(`|${widths.map((width, i) => (i === 0 ? ':' : '') + '-'.repeat(width + 1) + (i === 0 ? '' : ':')).join('|')}|`);
  for (const row of rows) console.log(line(row));
}

async function main(): Promise<void> {
  const references = new Map<string, PyTorchReference>();
  let version = '';
  const referenceFor = async (env: Record<string, string> = {}): Promise<PyTorchReference> => {
    const key = JSON.stringify(env);
    if (!references.has(key)) {
      const started = await PyTorchReference.start(options.python!, env);
      references.set(key, started.reference);
      version = started.version;
    }
    return references.get(key)!;
  };
  await referenceFor();
  const info = T.buildInfo();
  console.log(`sketchprune engine (libtorch ${info.torchVersion}) vs PyTorch ${version}; ${cpus()[0]?.model ?? 'cpu'}, ` +
    `${availableParallelism()} cores; ${rounds} rounds after one warm-up round, rounds of both sides interleaved`);
  const rows: Row[] = [];
  try {
    for (const workload of workloads.filter((w) => !options.only || w.label.includes(options.only!))) {
      const threads = workload.threads === 'one' ? 1 : allThreads;
      T.setNumThreads(threads);
      const ours: Timing[] = [];
      const theirs: Timing[] = [];
      const round = workload.create();
      const reference = await referenceFor(workload.referenceEnv);
      for (let r = 0; r <= rounds; r++) {
        const oursTiming = round();
        const theirsTiming = await reference.round(workload.reference, threads);
        if (theirsTiming.threads !== threads) throw new Error(`PyTorch ran ${theirsTiming.threads} threads, not ${threads}`);
        if (r > 0) { ours.push(oursTiming); theirs.push(theirsTiming); }
      }
      rows.push({
        label: `${workload.label}, ${threads} thread${threads > 1 ? 's' : ''}`, unit: workload.unit,
        wall: [Math.min(...ours.map((t) => t.wall)), Math.min(...theirs.map((t) => t.wall))],
        cpu: [median(ours.map((t) => t.cpu)), median(theirs.map((t) => t.cpu))],
      });
      process.stderr.write(`  done: ${workload.label}\n`);
    }
  } finally {
    for (const reference of references.values()) reference.close();
  }
  const cells = (row: Row, [ours, theirs]: [number, number]) =>
    [row.label, format(ours, row.unit), format(theirs, row.unit), `${(ours / theirs).toFixed(2)}×`];
  // Other processes only ever add wall time, so the fastest round is the least disturbed one (as timeit advises).
  printTable('Wall-clock time, best round:', rows.map((row) => cells(row, row.wall)));
  // CPU time (all threads of each process) hardly depends on how busy the machine is.
  printTable('CPU time (all threads), median round:', rows.map((row) => cells(row, row.cpu)));
}

main().catch((error) => {
  console.error(`bench: ${(error as Error).message}`);
  process.exitCode = 1;
});
