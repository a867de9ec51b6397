// `sketchprune launch`: starts N processes of a sketchprune command with the environment torchrun gives its
// workers (MASTER_ADDR, MASTER_PORT, RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE), so that `train` trains
// data-parallel over c10d/Gloo, and `run` trains each of its runs that way. When one process fails, the others are stopped and the
// launch fails; Ctrl-C is passed on to every process (each stops after the same step, with a checkpoint).
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { UsageError, integer, usageExit } from './args.js';
import { freePort } from '../foundations/net.js';

const help = `Usage: sketchprune launch --nproc-per-node N [--nnodes M --node-rank R --master HOST:PORT] -- COMMAND [args]

Runs N processes of \`sketchprune COMMAND args\` on this machine as ranks of one data-parallel job, the way
torchrun does: each gets MASTER_ADDR, MASTER_PORT, RANK, WORLD_SIZE, LOCAL_RANK and LOCAL_WORLD_SIZE. COMMAND is
train: data-parallel training over c10d/Gloo, where --batch-size is per process, so N processes of batch B train
like one process of batch N×B, and rank 0 alone writes the output directory. Or run: every rank takes every run
of the experiment in turn, prunes it alike and trains it data-parallel, the recipe's batch split over the ranks
(so results match a single process's); rank 0 alone writes. Rank 0's output goes to this terminal as it is; the
other ranks' lines are prefixed with [rank R]. When a rank fails, the others are stopped and launch
exits with 1; Ctrl-C stops every rank after the same step, with a checkpoint (then train --resume).

Options:
  --nproc-per-node N      processes on this machine (required)
  --nnodes M              machines in the job (default 1); start one launch per machine
  --node-rank R           this machine's index in [0, M) (default 0); ranks are R×N .. R×N+N-1
  --master HOST:PORT      rank 0's address for the rendezvous (TCPStore); required with --nnodes > 1
                          (default with one machine: 127.0.0.1 and a free port)
  --timeout SECONDS       how long a rank waits for the others in a collective before failing (default 120)
  --threads N             torch threads per process (default: this machine's cores / N, at least 1)
  --grace SECONDS         after one process fails, how long the others get to exit before they are killed
                          (default 10)
  -h, --help              this text

Example (2 processes on this machine):
  sketchprune launch --nproc-per-node 2 -- train --model lenet300 --dataset fashion-mnist \\
    --epochs 1 --batch-size 64 --lr 0.1 --out runs/train/dp2`;


interface LaunchPlan {
  nprocPerNode: number;
  nnodes: number;
  nodeRank: number;
  master: { host: string; port: number } | null;
  timeoutSeconds: number | null;
  threads: number | null;
  graceSeconds: number;
  command: string[];
}

export async function run(argv: string[]): Promise<number> {
  let plan: LaunchPlan;
  try {
    const parsed = parse(argv);
    if (parsed === 'help') { console.log(help); return 0; }
    plan = parsed;
  } catch (error) {
    return usageExit('launch', error);
  }
  const master = plan.master ?? { host: '127.0.0.1', port: await freePort() };
  return launch(plan, master);
}

async function launch(plan: LaunchPlan, master: { host: string; port: number }): Promise<number> {
  const worldSize = plan.nprocPerNode * plan.nnodes;
  const threads = plan.threads ?? Math.max(1, Math.floor(os.availableParallelism() / plan.nprocPerNode));
  const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'bin', 'sketchprune.js');
  console.error(`sketchprune launch: ${plan.nprocPerNode} process${plan.nprocPerNode === 1 ? '' : 'es'} on this machine ` +
    `(ranks ${plan.nodeRank * plan.nprocPerNode}..${(plan.nodeRank + 1) * plan.nprocPerNode - 1} of ${worldSize}), ` +
    `rendezvous at ${master.host}:${master.port}, ${threads} thread${threads === 1 ? '' : 's'} each: sketchprune ${plan.command.join(' ')}`);

  const children: { rank: number; child: ChildProcess; exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }> }[] = [];
  for (let localRank = 0; localRank < plan.nprocPerNode; localRank++) {
    const rank = plan.nodeRank * plan.nprocPerNode + localRank;
    const env: NodeJS.ProcessEnv = {
      ...process.env, MASTER_ADDR: master.host, MASTER_PORT: String(master.port), RANK: String(rank), WORLD_SIZE: String(worldSize),
      LOCAL_RANK: String(localRank), LOCAL_WORLD_SIZE: String(plan.nprocPerNode), GROUP_RANK: String(plan.nodeRank),
      SKETCHPRUNE_THREADS: String(threads),
    };
    if (plan.timeoutSeconds !== null) env.SKETCHPRUNE_DIST_TIMEOUT = String(plan.timeoutSeconds);
    // Rank 0 keeps the terminal (progress bar, colours); the others' lines are prefixed.
    // detached: a process group of its own, so a terminal's Ctrl-C reaches the ranks once, through the launcher.
    const child = spawn(process.execPath, [bin, ...plan.command], { env, detached: true, stdio: rank === 0 ? 'inherit' : ['ignore', 'pipe', 'pipe'] });
    if (rank !== 0) {
      for (const [stream, sink] of [[child.stdout!, process.stdout], [child.stderr!, process.stderr]] as const) {
        readline.createInterface({ input: stream }).on('line', (line) => sink.write(`[rank ${rank}] ${line}\n`));
      }
    }
    const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.on('exit', (code, signal) => resolve({ code, signal }));
      child.on('error', () => resolve({ code: 1, signal: null }));
    });
    children.push({ rank, child, exit });
  }

  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) { for (const { child } of children) child.kill('SIGKILL'); return; }
    interrupted = true;
    console.error(`\nsketchprune launch: ${signal}: passing it on to every rank (again to kill them at once)`);
    for (const { child } of children) child.kill(signal);
  };
  const killAll = () => { for (const { child } of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', killAll);

  let failure: string | null = null;
  let killTimer: NodeJS.Timeout | null = null;
  const pending = new Set(children);
  try {
    while (pending.size > 0) {
      const { entry, outcome } = await Promise.race([...pending].map((entry) => entry.exit.then((outcome) => ({ entry, outcome }))));
      pending.delete(entry);
      const failed = outcome.code !== 0;
      if (failed && failure === null && !interrupted) {
        failure = `rank ${entry.rank} ${outcome.signal ? `was killed by ${outcome.signal}` : `exited with code ${outcome.code}`}`;
        if (pending.size > 0) {
          console.error(`sketchprune launch: ${failure}; stopping the other ranks`);
          for (const other of pending) other.child.kill('SIGTERM');
          killTimer = setTimeout(() => { for (const other of pending) other.child.kill('SIGKILL'); }, plan.graceSeconds * 1000);
        }
      } else if (failed && interrupted && failure === null && outcome.code !== 130) {
        failure = `rank ${entry.rank} stopped (${outcome.signal ?? `code ${outcome.code}`}) after the interrupt`;
      }
    }
  } finally {
    if (killTimer) clearTimeout(killTimer);
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    process.removeListener('exit', killAll);
  }
  if (interrupted) {
    console.error(`sketchprune launch: interrupted${failure ? ` (${failure})` : ''}`);
    return 130;
  }
  if (failure) {
    console.error(`sketchprune launch: failed: ${failure}`);
    return 1;
  }
  return 0;
}

function parse(argv: string[]): 'help' | LaunchPlan {
  const separator = argv.indexOf('--');
  const own = separator < 0 ? argv : argv.slice(0, separator);
  const command = separator < 0 ? [] : argv.slice(separator + 1);
  const { values, positionals } = parseArgs({
    args: own, allowPositionals: true, strict: true,
    options: {
      'nproc-per-node': { type: 'string' }, nnodes: { type: 'string', default: '1' }, 'node-rank': { type: 'string', default: '0' },
      master: { type: 'string' }, timeout: { type: 'string' }, threads: { type: 'string' }, grace: { type: 'string', default: '10' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return 'help';
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}' (put the command after --)`);
  if (values['nproc-per-node'] === undefined) throw new UsageError('--nproc-per-node is required');
  const nprocPerNode = integer('--nproc-per-node', values['nproc-per-node'], 1);
  const nnodes = integer('--nnodes', values.nnodes!, 1);
  const nodeRank = integer('--node-rank', values['node-rank']!, 0);
  if (nodeRank >= nnodes) throw new UsageError(`--node-rank must be below --nnodes (${nnodes}), got ${nodeRank}`);
  let master: LaunchPlan['master'] = null;
  if (values.master !== undefined) {
    const match = /^(.+):(\d+)$/.exec(values.master);
    const port = match ? Number(match[2]) : NaN;
    if (!match || !(port >= 1 && port <= 65535)) throw new UsageError(`--master must be HOST:PORT, got '${values.master}'`);
    master = { host: match[1].replace(/^\[(.*)\]$/, '$1'), port };
  } else if (nnodes > 1) {
    throw new UsageError('--nnodes > 1 needs --master HOST:PORT (the address of the machine with --node-rank 0)');
  }
  if (command.length === 0) throw new UsageError('no command: put it after --, e.g. -- train --model lenet300 …');
  if (command[0] !== 'train' && command[0] !== 'run') throw new UsageError(`launch runs train or run, not '${command[0]}'`);
  const timeoutSeconds = values.timeout === undefined ? null : number('--timeout', values.timeout);
  const threads = values.threads === undefined ? null : integer('--threads', values.threads, 1);
  return { nprocPerNode, nnodes, nodeRank, master, timeoutSeconds, threads, graceSeconds: number('--grace', values.grace!), command };
}


function number(flag: string, text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0) throw new UsageError(`${flag} must be a positive number, got '${text}'`);
  return value;
}
