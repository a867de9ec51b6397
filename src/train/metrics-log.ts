// Metrics as JSON Lines: one object per line, each with a `type` ('epoch' or 'step') and the global `step`
// it was measured at. A resumed run first drops the lines written after its checkpoint, so the file never
// holds the same step twice.
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../foundations/atomic.js';
import { ensureDirectory } from '../foundations/directories.js';

export interface MetricsLine { type: string; step: number; [field: string]: unknown }

export class MetricsLog {
  constructor(readonly file: string) {
    ensureDirectory(path.dirname(file));
  }

  append(line: MetricsLine): void {
    fs.appendFileSync(this.file, JSON.stringify(line) + '\n');
  }

  /** Keeps only the lines measured at or before `step` (and no torn last line); a fresh run passes -1. */
  truncateAfter(step: number): void {
    if (!fs.existsSync(this.file)) return;
    const kept = readMetrics(this.file, { tolerateTornTail: true }).filter((line) => line.step <= step);
    writeFileAtomic(this.file, kept.map((line) => JSON.stringify(line) + '\n').join(''));
  }
}

/** Parses a metrics file; every line must be a JSON object with a numeric `step` (a torn last line may be skipped). */
export function readMetrics(file: string, options: { tolerateTornTail?: boolean } = {}): MetricsLine[] {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const result: MetricsLine[] = [];
  lines.forEach((text, index) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      if (options.tolerateTornTail && index === lines.length - 1) return;
      throw new Error(`${file}: line ${index + 1} is not valid JSON: ${text.slice(0, 80)}`);
    }
    if (typeof parsed !== 'object' || parsed === null || typeof (parsed as MetricsLine).step !== 'number') {
      throw new Error(`${file}: line ${index + 1} is not a metrics object with a numeric 'step'`);
    }
    result.push(parsed as MetricsLine);
  });
  return result;
}
