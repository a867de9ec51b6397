// The one PyTorch reference runner of the test suite: runs a script with /usr/bin/python3, which has Debian's
// torch 1.13, and lets tests skip with a reason on machines without it.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const python = '/usr/bin/python3';
let available: boolean | undefined;

/**
 * Whether /usr/bin/python3 has torch installed; tests skip with this reason otherwise. The module is found, not
 * imported (an import costs a second of CPU in every test file that asks); a torch that is installed but cannot
 * be imported fails the test that uses it instead of skipping it.
 */
export function hasPyTorch(): boolean {
  const find = "import importlib.util, sys; sys.exit(0 if importlib.util.find_spec('torch') else 1)";
  available ??= spawnSync(python, ['-c', find], { stdio: 'ignore' }).status === 0;
  return available;
}
export const noPyTorch = `${python} cannot import torch (install python3-torch)`;

/** The repository root (this file runs from dist/test/helpers/). */
export const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** test/reference/<script>, or a repository path such as python/models.py when `script` contains a '/'. */
export function referenceScript(script: string): string {
  return script.includes('/') ? path.join(repositoryRoot, script) : path.join(repositoryRoot, 'test', 'reference', script);
}

/**
 * Runs a reference script (see referenceScript) with arguments, one OpenMP thread, and returns its stdout;
 * Python's stderr is in the error when it fails.
 */
export function runReference(script: string, args: string[]): string {
  return execFileSync(python, [referenceScript(script), ...args], {
    encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, OMP_NUM_THREADS: '1' },
  });
}

/** runReference, with stdout parsed as JSON. */
export function runReferenceJson<T>(script: string, args: string[]): T {
  return JSON.parse(runReference(script, args)) as T;
}

/** Runs Python code (`python3 -c code args…`) with `input` on stdin; returns stdout, or throws with stderr. */
export function runPythonCode(code: string, args: string[] = [], input = ''): string {
  const result = spawnSync(python, ['-c', code, ...args], {
    input, encoding: 'utf8', maxBuffer: 64 << 20, env: { ...process.env, OMP_NUM_THREADS: '1' },
  });
  if (result.status !== 0) throw new Error(`${python} -c failed (${result.error?.message ?? `exit ${result.status}`}):\n${result.stderr}`);
  return result.stdout;
}

/** A fresh temporary directory, removed by the returned cleanup function. */
export function temporaryDirectory(prefix: string): { dir: string; remove: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `sketchprune-${prefix}-`));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
