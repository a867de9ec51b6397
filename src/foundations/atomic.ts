// Writes a file so that readers see either the old or the complete new content, never a torn one.
//
// The data goes to `<file>.tmp-<pid>-<n>` in the same directory, is fsynced, renamed over the file, and the
// directory is fsynced so the rename survives a power cut. A failed write (a full disk: ENOSPC) removes its
// temporary file and throws an error naming the file; temporary files that a killed process left behind for the
// same file are removed by the next write (their process is gone).
import fs from 'node:fs';
import path from 'node:path';
import { ensureDirectory } from './directories.js';

let counter = 0;

// Fault injection for the kill-anywhere tests (test/e2e/faults-kill): SKETCHPRUNE_FAULT_KILL_AT_WRITE=N makes this
// process write half of its N-th atomic write's data and then die by SIGKILL, as a crash in the middle of a
// checkpoint or mask write would. Unset, it costs one comparison per write.
const killAtWrite = Number(process.env.SKETCHPRUNE_FAULT_KILL_AT_WRITE ?? 0) || -1;
function killMidWrite(handle: number, data: string | Uint8Array): never {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  fs.writeSync(handle, bytes, 0, Math.floor(bytes.length / 2));
  fs.fsyncSync(handle);
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable');
}
const temporaryPattern = /^(.*)\.tmp-(\d+)-\d+$/;

export class WriteError extends Error {
  readonly code: string | undefined;
  constructor(file: string, cause: NodeJS.ErrnoException) {
    const reason = cause.code === 'ENOSPC' ? 'no space left on device'
      : cause.code === 'EDQUOT' ? 'disk quota exceeded'
        : cause.code === 'EROFS' ? 'read-only file system' : cause.message;
    super(`cannot write ${file}: ${reason}${cause.code && !reason.includes(cause.code) ? ` (${cause.code})` : ''}`);
    this.code = cause.code;
  }
}

function processGone(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Removes temporary files of `file` left by processes that no longer run. Returns how many it removed. */
export function removeStaleTemporaries(file: string): number {
  const dir = path.dirname(file);
  const base = path.basename(file);
  let removed = 0;
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    const match = temporaryPattern.exec(name);
    if (!match || match[1] !== base || !processGone(Number(match[2]))) continue;
    try {
      fs.rmSync(path.join(dir, name), { force: true });
      removed += 1;
    } catch { /* another process removed it */ }
  }
  return removed;
}

export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const dir = path.dirname(file);
  try {
    ensureDirectory(dir);
  } catch (error) {
    throw new WriteError(file, error as NodeJS.ErrnoException);
  }
  removeStaleTemporaries(file);
  const temporary = `${file}.tmp-${process.pid}-${counter++}`;
  try {
    const handle = fs.openSync(temporary, 'w');
    try {
      if (counter === killAtWrite) killMidWrite(handle, data);
      fs.writeFileSync(handle, data);
      fs.fsyncSync(handle);
    } finally {
      fs.closeSync(handle);
    }
    fs.renameSync(temporary, file);
  } catch (error) {
    fs.rmSync(temporary, { force: true });
    throw new WriteError(file, error as NodeJS.ErrnoException);
  }
  try {
    const handle = fs.openSync(dir, 'r');
    try { fs.fsyncSync(handle); } finally { fs.closeSync(handle); }
  } catch { /* directories cannot be fsynced on some file systems; the rename is still atomic */ }
}
