// Directory locks that name the process holding them: a run directory (sketchprune run) or a training output
// (sketchprune train) is worked on by one process at a time.
//
// A lock file holds {"pid", "start", "host"} (start: the process's start time from /proc, so a recycled pid is
// not mistaken for the owner). It is created complete and atomically (written to a private temporary file, then
// hard-linked into place), so no reader ever sees a half-written lock. A lock whose process is gone is taken over
// under a short takeover mutex (an atomic mkdir): two processes finding the same stale lock cannot both win,
// and one cannot delete the fresh lock the other just made. A worker process adopts the lock its parent claimed
// for it (transferLock), so the file always names the process doing the work.
import fs from 'node:fs';
import os from 'node:os';

export interface LockOwner { pid: number; start: string | null; host: string }

/** /proc/<pid>/stat's fields after the command name (state first), or null where there is no /proc entry. */
function procStat(pid: number): string[] | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** The start time of a process (clock ticks since boot, /proc/<pid>/stat field 22), or null where unknown. */
export function processStartTime(pid: number): string | null {
  return procStat(pid)?.[19] ?? null;
}

function selfOwner(pid = process.pid): LockOwner {
  return { pid, start: processStartTime(pid), host: os.hostname() };
}

function parseOwner(text: string): LockOwner | null {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return { pid: Number(trimmed), start: null, host: os.hostname() };
  try {
    const value = JSON.parse(trimmed) as Partial<LockOwner>;
    if (Number.isInteger(value.pid) && value.pid! > 0) {
      return { pid: value.pid!, start: typeof value.start === 'string' ? value.start : null, host: String(value.host ?? os.hostname()) };
    }
  } catch { /* malformed */ }
  return null;
}

/** Whether the lock's owner still runs (a lock from another host counts as live: we cannot check it). */
export function ownerAlive(owner: LockOwner): boolean {
  if (owner.host !== os.hostname()) return true;
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const stat = procStat(owner.pid);
  if (stat === null) return true; // no /proc: trust kill(0)
  if (stat[0] === 'Z' || stat[0] === 'X') return false; // exited, not yet reaped
  return owner.start === null || stat[19] === owner.start;
}

/** The live owner of a lock file, or null when there is none (no file, a dead owner, or a malformed file). */
export function lockOwner(file: string): LockOwner | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  const owner = parseOwner(text);
  return owner && ownerAlive(owner) ? owner : null;
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function writePrivate(file: string, owner: LockOwner): string {
  const temporary = `${file}.${owner.pid}.${Math.random().toString(36).slice(2)}.new`;
  fs.writeFileSync(temporary, `${JSON.stringify(owner)}\n`, { flag: 'wx' });
  return temporary;
}

/**
 * Takes the lock for this process. Returns undefined on success (also when this process already holds it), or
 * the live process that holds it.
 */
export function acquireLock(file: string): LockOwner | undefined {
  const self = selfOwner();
  for (let attempt = 0; attempt < 200; attempt++) {
    const temporary = writePrivate(file, self);
    try {
      fs.linkSync(temporary, file);
      return undefined;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      fs.rmSync(temporary, { force: true });
    }
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      continue; // released meanwhile: try again
    }
    const owner = parseOwner(text);
    if (owner && owner.pid === process.pid && owner.host === self.host) return undefined;
    if (owner && ownerAlive(owner)) return owner;
    // Stale (or malformed): remove it under the takeover mutex, and only if it is still the same stale lock.
    const mutex = `${file}.takeover`;
    try {
      fs.mkdirSync(mutex);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      try {
        if (Date.now() - fs.statSync(mutex).mtimeMs > 10_000) fs.rmdirSync(mutex); // its holder died inside
      } catch { /* gone meanwhile */ }
      sleep(5 + Math.floor(Math.random() * 20));
      continue;
    }
    try {
      let current: string | null = null;
      try { current = fs.readFileSync(file, 'utf8'); } catch { /* gone */ }
      if (current === text) fs.rmSync(file, { force: true });
    } finally {
      fs.rmdirSync(mutex);
    }
  }
  throw new Error(`${file}: could not take the lock (contended)`);
}

/**
 * Makes this process the lock's holder when `from` (its parent) holds it: the lock then names the process doing
 * the work, and outlives a killed parent for as long as that work goes on. Returns whether it did.
 */
export function transferLock(file: string, from: number): boolean {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return false;
  }
  if (parseOwner(text)?.pid !== from) return false;
  const temporary = writePrivate(file, selfOwner());
  fs.renameSync(temporary, file); // atomic replacement
  return true;
}

/** Removes the lock if one of `pids` (default: this process) holds it; another process's lock is left alone. */
export function releaseLock(file: string, pids: number[] = [process.pid]): void {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return;
  }
  const owner = parseOwner(text);
  if (owner && pids.includes(owner.pid) && owner.host === os.hostname()) fs.rmSync(file, { force: true });
}
