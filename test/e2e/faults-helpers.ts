// Shared pieces of the fault-injection tier (test/e2e/faults-*.test.ts): a tiny real experiment, the CLI as a
// child process, waiting for files and for processes to end.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const cli = path.join(root, 'bin', 'sketchprune.js');

/** A two-run experiment on synthetic data (fc net); `epochs` × 8 steps per run. */
export function tinyExperiment(dir: string, epochs: number, extra: Record<string, unknown> = {}): string {
  const file = path.join(dir, 'experiment.json');
  fs.writeFileSync(file, JSON.stringify({
    name: 'faults', title: 'faults',
    base: {
      model: 'fc', modelOptions: { widths: [64] }, dataset: 'synthetic',
      data: { trainSubset: 512, testSubset: 128 },
      train: { epochs, batchSize: 64, maxStepsPerEpoch: 8, lr: 0.05 },
    },
    grid: { pruning: [{ method: 'magnitude' }], density: [0.5, 0.2], seed: [0] },
    report: { tables: [] },
    ...extra,
  }));
  return file;
}

export function temporary(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `sp-${prefix}-`));
}

export interface Spawned { child: ChildProcess; output: () => string; exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }> }

export function spawnCli(args: string[], env: Record<string, string> = {}): Spawned {
  const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let text = '';
  child.stdout!.on('data', (chunk) => { text += chunk; });
  child.stderr!.on('data', (chunk) => { text += chunk; });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, output: () => text, exit };
}

export async function waitFor(what: string, condition: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Run directories under `out` (those with a config.json). */
export function runDirs(out: string): string[] {
  if (!fs.existsSync(out)) return [];
  return fs.readdirSync(out).map((name) => path.join(out, name)).filter((dir) => fs.existsSync(path.join(dir, 'config.json'))).sort();
}

/** pid named by a lock file, or null. */
export function lockPid(file: string): number | null {
  try {
    const text = fs.readFileSync(file, 'utf8').trim();
    return /^\d+$/.test(text) ? Number(text) : (JSON.parse(text) as { pid: number }).pid;
  } catch {
    return null;
  }
}
