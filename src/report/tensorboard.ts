// Training curves for TensorBoard: a run's metrics.jsonl as scalar events in the run's directory, so
// `tensorboard --logdir <runs directory>` shows every run (named by its directory) side by side.
import fs from 'node:fs';
import path from 'node:path';
import { EventWriter } from '../foundations/tfevents.js';
import { readJsonl, readRuns } from './runs.js';
import type { MetricsRecord, RunRecord } from './schema.js';

/** The event file's fixed name: converting again rewrites it instead of adding a second copy of each curve. */
export const METRICS_EVENTS_NAME = 'metrics.sketchprune';

/** Tags for the fields the training loop writes; any other numeric field is `<type>/<field>`. */
const tags: Record<string, Record<string, string>> = {
  epoch: {
    train_loss: 'train/loss', train_top1: 'train/accuracy', test_loss: 'test/loss', test_top1: 'test/accuracy',
    test_top5: 'test/top5', lr: 'train/lr', images_per_second: 'speed/images_per_second',
  },
  step: { loss: 'train/step_loss', top1: 'train/step_accuracy', lr: 'train/step_lr' },
};
const positionFields = new Set(['step', 'epoch', 'batch', 'seconds', 'test_examples']);

/** The scalars of one metrics line, tagged; lines without a numeric `step` give none. */
export function metricsScalars(record: MetricsRecord): { step: number; scalars: Record<string, number> } | undefined {
  if (typeof record.step !== 'number' || !Number.isInteger(record.step)) return undefined;
  const type = typeof record.type === 'string' ? record.type : 'metrics';
  const scalars: Record<string, number> = {};
  for (const [field, value] of Object.entries(record)) {
    if (positionFields.has(field) || typeof value !== 'number') continue;
    scalars[tags[type]?.[field] ?? `${type}/${field}`] = value;
  }
  return { step: record.step, scalars };
}

/**
 * Writes the run's metrics as events.out.tfevents.metrics.sketchprune in `dir` (default: the run directory).
 * Wall times count the epochs' seconds from config.json's modification time. Returns the file, or undefined
 * when the run has no metrics.
 */
export function writeRunEvents(run: Pick<RunRecord, 'dir' | 'metrics'>, dir = run.dir): string | undefined {
  const lines = run.metrics.map(metricsScalars).filter((m) => m !== undefined);
  if (lines.length === 0) return undefined;
  const config = path.join(run.dir, 'config.json');
  let wallTime = fs.existsSync(config) ? fs.statSync(config).mtimeMs / 1000 : Date.now() / 1000;
  const writer = new EventWriter(dir, { name: METRICS_EVENTS_NAME, truncate: true });
  try {
    run.metrics.forEach((record, i) => {
      if (typeof record.seconds === 'number' && record.type === 'epoch') wallTime += record.seconds;
      const line = metricsScalars(record);
      if (line) writer.add({ wallTime: wallTime + i * 1e-3, step: line.step, scalars: line.scalars });
    });
  } finally {
    writer.close();
  }
  return writer.file;
}

/** Event files for every run below `runsDir` (see writeRunEvents); returns the files written. */
export function writeRunsEvents(runsDir: string): string[] {
  return readRuns(runsDir).map((run) => writeRunEvents(run)).filter((file): file is string => file !== undefined);
}

/** Event files from a training directory's metrics.jsonl (no result file needed: also while it trains). */
export function writeTrainingEvents(dir: string): string | undefined {
  const file = path.join(dir, 'metrics.jsonl');
  if (!fs.existsSync(file)) return undefined;
  return writeRunEvents({ dir: path.resolve(dir), metrics: readJsonl(file, { tolerateTornLastLine: true }) as MetricsRecord[] });
}
