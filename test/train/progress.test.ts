import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createProgress, formatDuration, type StepProgress } from '../../src/train/index.js';

function fakeStream(isTTY: boolean) {
  const chunks: string[] = [];
  return { chunks, stream: { isTTY, write: (text: string) => { chunks.push(text); return true; } } };
}

const step = (n: number, time: number): [StepProgress, number] => [{
  epoch: 1, epochs: 10, step: n, stepsPerEpoch: 100, globalStep: 100 + n, totalSteps: 1000, loss: 0.5, top1: 0.8125,
  lr: 0.1, imagesPerSecond: 1234.4, etaSeconds: 75,
}, time];

test('on a TTY the bar redraws one line with epoch, step, loss, accuracy, images/s and ETA', () => {
  const { chunks, stream } = fakeStream(true);
  let clock = 0;
  const progress = createProgress('auto', { stream, now: () => clock });
  for (const [info, time] of [step(1, 0), step(2, 50), step(3, 150)]) { clock = time; progress.step(info); }
  assert.equal(chunks.length, 2, 'redraws at most every 100 ms');
  assert.equal(chunks[1], '\r\x1b[2Kepoch 2/10 █░░░░░░░░░░░░░░░░░░░░░░░ 3/100 loss 0.5000 acc 81.25% 1,234 img/s ETA 1m15s');
  progress.epoch({ epoch: 1, epochs: 10, trainLoss: 0.5, trainTop1: 0.8, test: { loss: 0.6, top1: 0.75, top5: 0.99 }, seconds: 12, imagesPerSecond: 1000 });
  assert.equal(chunks[2], '\r\x1b[2K', 'the bar is cleared before the epoch line');
  assert.equal(chunks[3], 'epoch 2/10 done in 12s: train loss 0.5000 acc 80.00% | test loss 0.6000 top-1 75.00% top-5 99.00% (1,000 img/s)\n');
});

test('without a TTY plain lines come at the chosen interval', () => {
  const { chunks, stream } = fakeStream(false);
  let clock = 0;
  const progress = createProgress('auto', { stream, now: () => clock, lineInterval: 10 });
  for (const [info, time] of [step(1, 0), step(2, 5000), step(3, 10000), step(4, 12000)]) { clock = time; progress.step(info); }
  assert.equal(chunks.length, 2);
  assert.ok(chunks.every((line) => line.endsWith('\n') && !line.includes('\r')));
  assert.equal(chunks[1], 'epoch 2/10 step 3/100 (global 103/1000) loss 0.5000 acc 81.25% lr 0.100 1,234 img/s ETA 1m15s\n');
  const silent = fakeStream(true);
  const none = createProgress('none', { stream: silent.stream });
  none.step(step(1, 0)[0]); none.message('x'); none.close();
  assert.deepEqual(silent.chunks, []);
});

test('formatDuration', () => {
  assert.deepEqual([4.2, 59.6, 75, 3725, -1, Infinity].map(formatDuration), ['4s', '1m00s', '1m15s', '1h02m', '?', '?']);
});
