// Runs a PyTorch reference script (test/reference/*.py) with /usr/bin/python3, which has Debian's torch 1.13.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const python = '/usr/bin/python3';
let available: boolean | undefined;

/** Whether /usr/bin/python3 can import torch; tests skip with this reason otherwise. */
export function hasPyTorch(): boolean {
  available ??= spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
  return available;
}
export const noPyTorch = `${python} cannot import torch (install python3-torch)`;

/** The repository root (this file runs from dist/test/helpers/). */
export const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** Runs test/reference/<script> with arguments; returns its stdout. Python's stderr is shown on failure. */
export function runReference(script: string, args: string[]): string {
  const file = path.join(repositoryRoot, 'test', 'reference', script);
  return execFileSync(python, [file, ...args], {
    encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, OMP_NUM_THREADS: '1' },
  });
}

/** A fresh temporary directory, removed by the returned cleanup function. */
export function temporaryDirectory(prefix: string): { dir: string; remove: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `sketchprune-${prefix}-`));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
