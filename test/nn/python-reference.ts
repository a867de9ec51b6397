// Runs a PyTorch reference script with /usr/bin/python3 (Debian's torch 1.13); null when torch is not there,
// so tests can skip with a reason instead of failing on machines without it.
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const python = '/usr/bin/python3';
let available: boolean | undefined;

export function hasPyTorch(): boolean {
  available ??= spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
  return available;
}

/**
 * Runs test/reference/<script>, or a repository path such as python/models.py (found from dist/test/nn/), with the
 * arguments and parses its stdout as JSON.
 */
export function runReference<T>(script: string, args: string[]): T {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
  const file = script.includes('/') ? path.join(root, script) : path.join(root, 'test/reference', script);
  const stdout = execFileSync(python, [file, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return JSON.parse(stdout) as T;
}
