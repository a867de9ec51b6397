// Training progress for people: a live one-line bar on a terminal, plain periodic lines otherwise (log
// files, CI). Only the display lives here; the loop computes the numbers.

export interface StepProgress {
  epoch: number;        // 0-based
  epochs: number;
  step: number;         // steps done in this epoch
  stepsPerEpoch: number;
  globalStep: number;
  totalSteps: number;
  /** Running means over this epoch's steps so far. */
  loss: number;
  top1: number;
  lr: number;
  imagesPerSecond: number;
  etaSeconds: number;
}

export interface EpochProgress {
  epoch: number;        // 0-based
  epochs: number;
  trainLoss: number;
  trainTop1: number;
  test: { loss: number; top1: number; top5: number } | null;
  seconds: number;
  imagesPerSecond: number;
}

export interface ProgressSink {
  step(progress: StepProgress): void;
  epoch(progress: EpochProgress): void;
  message(text: string): void;
  close(): void;
}

export type ProgressMode = 'auto' | 'bar' | 'lines' | 'none';

export interface ProgressOptions {
  /** Where to write (default process.stderr). */
  stream?: { write(text: string): unknown; isTTY?: boolean };
  /** Seconds between plain lines (default 30); the bar redraws at most 10 times a second. */
  lineInterval?: number;
  /** Clock in milliseconds (tests pass their own). */
  now?: () => number;
}

/** 'auto' is a bar on a TTY and plain lines otherwise. */
export function createProgress(mode: ProgressMode, options: ProgressOptions = {}): ProgressSink {
  const stream = options.stream ?? process.stderr;
  if (mode === 'none') return { step() {}, epoch() {}, message() {}, close() {} };
  const now = options.now ?? (() => performance.now());
  const bar = mode === 'bar' || (mode === 'auto' && stream.isTTY === true);
  const interval = (bar ? 0.1 : options.lineInterval ?? 30) * 1000;
  let last = -Infinity;
  let barShown = false;
  const clearBar = () => { if (barShown) { stream.write('\r\x1b[2K'); barShown = false; } };
  return {
    step(progress) {
      const time = now();
      const lastOfEpoch = progress.step === progress.stepsPerEpoch;
      if (time - last < interval && !(bar && lastOfEpoch)) return;
      last = time;
      if (bar) {
        stream.write(`\r\x1b[2K${formatBar(progress)}`);
        barShown = true;
      } else {
        stream.write(formatStepLine(progress) + '\n');
      }
    },
    epoch(progress) {
      clearBar();
      stream.write(formatEpochLine(progress) + '\n');
    },
    message(text) {
      clearBar();
      stream.write(text + '\n');
    },
    close() { clearBar(); },
  };
}

export function formatBar(p: StepProgress, width = 24): string {
  const filled = Math.round((p.step / p.stepsPerEpoch) * width);
  const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
  return `epoch ${p.epoch + 1}/${p.epochs} ${bar} ${p.step}/${p.stepsPerEpoch} ` +
    `loss ${p.loss.toFixed(4)} acc ${percent(p.top1)} ${Math.round(p.imagesPerSecond).toLocaleString('en-US')} img/s ETA ${formatDuration(p.etaSeconds)}`;
}

export function formatStepLine(p: StepProgress): string {
  return `epoch ${p.epoch + 1}/${p.epochs} step ${p.step}/${p.stepsPerEpoch} (global ${p.globalStep}/${p.totalSteps}) ` +
    `loss ${p.loss.toFixed(4)} acc ${percent(p.top1)} lr ${p.lr.toPrecision(3)} ` +
    `${Math.round(p.imagesPerSecond).toLocaleString('en-US')} img/s ETA ${formatDuration(p.etaSeconds)}`;
}

export function formatEpochLine(p: EpochProgress): string {
  const test = p.test ? ` | test loss ${p.test.loss.toFixed(4)} top-1 ${percent(p.test.top1)} top-5 ${percent(p.test.top5)}` : '';
  return `epoch ${p.epoch + 1}/${p.epochs} done in ${formatDuration(p.seconds)}: train loss ${p.trainLoss.toFixed(4)} ` +
    `acc ${percent(p.trainTop1)}${test} (${Math.round(p.imagesPerSecond).toLocaleString('en-US')} img/s)`;
}

const percent = (fraction: number): string => `${(100 * fraction).toFixed(2)}%`;

/** 75 → "1m15s", 3725 → "1h02m", 4.2 → "4s". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const total = Math.round(seconds);
  if (total < 60) return `${total}s`;
  if (total < 3600) return `${Math.floor(total / 60)}m${String(total % 60).padStart(2, '0')}s`;
  return `${Math.floor(total / 3600)}h${String(Math.floor((total % 3600) / 60)).padStart(2, '0')}m`;
}
