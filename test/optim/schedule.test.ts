import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSchedule } from '../../src/optim/index.js';
import { runPythonCode } from '../helpers/pytorch.js';

test('multistep: the paper recipe gives 0.1, then 0.01 from epoch 80, then 0.001 from epoch 120', () => {
  const schedule = createSchedule({ kind: 'multistep', baseLr: 0.1, epochs: 160, milestones: [80, 120], gamma: 0.1 });
  const expected: [number, number][] = [[0, 0.1], [79, 0.1], [80, 0.01], [119, 0.01], [120, 0.001], [159, 0.001]];
  for (const [epoch, lr] of expected) assert.ok(Math.abs(schedule.lrAt(epoch, 0, 391) - lr) < 1e-15, `epoch ${epoch}`);
  // Per-iteration stepping changes the rate exactly at the milestone's first step.
  assert.ok(Math.abs(schedule.lrAt(79, 390, 391) - 0.1) < 1e-15);
  assert.ok(Math.abs(schedule.lrAt(80, 0, 391) - 0.01) < 1e-15);
});

test('per-epoch multistep and cosine match torch.optim.lr_scheduler epoch by epoch', () => {
  const epochs = 30;
  const reference = runPython(`
import json, torch
def rates(make):
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    sched = make(opt)
    out = []
    for _ in range(${epochs}):
        out.append(opt.param_groups[0]['lr'])
        opt.step(); sched.step()
    return out
print(json.dumps({
  'multistep': rates(lambda o: torch.optim.lr_scheduler.MultiStepLR(o, milestones=[10, 20], gamma=0.2)),
  'cosine': rates(lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=${epochs}, eta_min=0.001)),
}))
`) as { multistep: number[]; cosine: number[] };
  const multistep = createSchedule({ kind: 'multistep', baseLr: 0.1, epochs, milestones: [10, 20], gamma: 0.2, stepping: 'epoch' });
  const cosine = createSchedule({ kind: 'cosine', baseLr: 0.1, epochs, minLr: 0.001, stepping: 'epoch' });
  for (let epoch = 0; epoch < epochs; epoch++) {
    // Mid-epoch steps keep the epoch's rate when stepping per epoch.
    assert.ok(Math.abs(multistep.lrAt(epoch, 7, 10) - reference.multistep[epoch]) < 1e-12, `multistep epoch ${epoch}`);
    assert.ok(Math.abs(cosine.lrAt(epoch, 7, 10) - reference.cosine[epoch]) < 1e-12, `cosine epoch ${epoch}`);
  }
});

test('cosine per iteration follows the closed form of fractional epochs', () => {
  const schedule = createSchedule({ kind: 'cosine', baseLr: 0.2, epochs: 10 });
  const stepsPerEpoch = 50;
  for (const [epoch, step] of [[0, 0], [2, 25], [5, 0], [9, 49]]) {
    const t = epoch + step / stepsPerEpoch;
    const expected = 0.2 * (1 + Math.cos(Math.PI * t / 10)) / 2;
    assert.ok(Math.abs(schedule.lrAt(epoch, step, stepsPerEpoch) - expected) < 1e-15, `epoch ${epoch} step ${step}`);
  }
  assert.ok(Math.abs(schedule.lrAt(5, 0, stepsPerEpoch) - 0.1) < 1e-15); // half way: half the rate
});

test('linear warm-up ramps to the base rate and composes with multistep and cosine', () => {
  const multistep = createSchedule({ kind: 'multistep', baseLr: 0.1, epochs: 20, milestones: [10], warmupEpochs: 2 });
  // 4 steps per epoch, 8 warm-up steps: step k (0-based) gets (k+1)/8 of the rate.
  for (let k = 0; k < 8; k++) {
    assert.ok(Math.abs(multistep.lrAt(Math.floor(k / 4), k % 4, 4) - 0.1 * (k + 1) / 8) < 1e-15, `warm-up step ${k}`);
  }
  assert.ok(Math.abs(multistep.lrAt(2, 0, 4) - 0.1) < 1e-15);
  assert.ok(Math.abs(multistep.lrAt(10, 0, 4) - 0.01) < 1e-15);
  // Cosine after warm-up runs over the remaining epochs: at epoch 2 the full rate, at 11 half, near 20 almost 0.
  const cosine = createSchedule({ kind: 'cosine', baseLr: 0.1, epochs: 20, warmupEpochs: 2 });
  assert.ok(Math.abs(cosine.lrAt(0, 0, 4) - 0.1 / 8) < 1e-15);
  assert.ok(Math.abs(cosine.lrAt(2, 0, 4) - 0.1) < 1e-15);
  assert.ok(Math.abs(cosine.lrAt(11, 0, 4) - 0.05) < 1e-15);
  assert.ok(cosine.lrAt(19, 3, 4) < 0.1 * (1 - Math.cos(Math.PI / 72)) && cosine.lrAt(19, 3, 4) > 0);
  // Per-epoch warm-up: epochs 0..2 of 3 warm-up epochs get 1/3, 2/3, 1.
  const perEpoch = createSchedule({ kind: 'constant', baseLr: 0.3, epochs: 10, warmupEpochs: 3, stepping: 'epoch' });
  assert.deepEqual([0, 1, 2, 3].map((e) => perEpoch.lrAt(e, 5, 10).toFixed(12)), ['0.100000000000', '0.200000000000', '0.300000000000', '0.300000000000']);
});

test('schedules reject bad options with messages naming the option', () => {
  assert.throws(() => createSchedule({ kind: 'linear' as 'cosine', baseLr: 0.1, epochs: 10 }), /unknown kind 'linear'/);
  assert.throws(() => createSchedule({ kind: 'multistep', baseLr: 0.1, epochs: 10 }), /multistep needs at least one milestone/);
  assert.throws(() => createSchedule({ kind: 'multistep', baseLr: 0.1, epochs: 10, milestones: [5, 3] }), /milestones must increase, got 5,3/);
  assert.throws(() => createSchedule({ kind: 'cosine', baseLr: 0.1, epochs: 5, warmupEpochs: 5 }), /warmupEpochs \(5\) must be below epochs \(5\)/);
  assert.throws(() => createSchedule({ kind: 'cosine', baseLr: -1, epochs: 5 }), /baseLr must be a finite number ≥ 0, got -1/);
  const schedule = createSchedule({ kind: 'constant', baseLr: 0.1, epochs: 5 });
  assert.throws(() => schedule.lrAt(1, 10, 10), /stepInEpoch must be an integer in \[0, 10\), got 10/);
});

function runPython(script: string): unknown {
  return JSON.parse(runPythonCode(script));
}
