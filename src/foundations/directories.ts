// Creating output directories. Node's fs.mkdirSync(dir, { recursive: true }) never returns for a path under
// /proc (it loops on the EEXIST/ENOENT it gets there: `--out /proc/x` hung the process), so directories are made
// here one component at a time, with errors that name the directory.
import fs from 'node:fs';
import path from 'node:path';

export function ensureDirectory(dir: string): void {
  const absolute = path.resolve(dir);
  const missing: string[] = [];
  let current = absolute;
  for (;;) {
    let stat: fs.Stats | null = null;
    try {
      stat = fs.statSync(current);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw directoryError(dir, error as NodeJS.ErrnoException);
    }
    if (stat) {
      if (!stat.isDirectory()) throw new Error(`cannot create directory ${dir}: ${current} is not a directory`);
      break;
    }
    missing.push(current);
    const parent = path.dirname(current);
    if (parent === current) break;
    current = parent;
  }
  for (const component of missing.reverse()) {
    try {
      fs.mkdirSync(component);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST' && fs.statSync(component).isDirectory()) continue; // made meanwhile
      throw directoryError(dir, error as NodeJS.ErrnoException);
    }
  }
}

function directoryError(dir: string, cause: NodeJS.ErrnoException): Error {
  const reason = cause.code === 'ENOSPC' ? 'no space left on device' : cause.code === 'EROFS' ? 'read-only file system' : cause.message;
  const error = new Error(`cannot create directory ${dir}: ${reason}`);
  (error as NodeJS.ErrnoException).code = cause.code;
  return error;
}
