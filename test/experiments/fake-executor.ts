// A stand-in executor for scheduler tests: "trains" for `train.epochs` steps, saving progress after each step to
// progress.json, and fails once at step FAKE_FAIL_AT (if set) to simulate an interrupted run. The accuracy is a
// function of the spec, so results are checkable.
import fs from 'node:fs';
import path from 'node:path';
import type { RunExecutor } from '../../src/experiments/scheduler.js';

export const fakeAccuracy = (density: number, seed: number): number => 0.5 + density + seed / 100;

export const execute: RunExecutor = async (run, context) => {
  const file = path.join(context.dir, 'progress.json');
  const progress = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as { step: number; starts: number }) : { step: 0, starts: 0 };
  progress.starts += 1;
  const failAt = Number(process.env.FAKE_FAIL_AT ?? '-1');
  while (progress.step < run.spec.train.epochs) {
    if (progress.step === failAt && progress.starts === 1) {
      fs.writeFileSync(file, JSON.stringify(progress));
      throw new Error(`simulated crash at step ${failAt}`);
    }
    progress.step += 1;
    context.log(`step ${progress.step}/${run.spec.train.epochs}`);
  }
  fs.writeFileSync(file, JSON.stringify(progress));
  return { testAccuracy: fakeAccuracy(run.spec.density, run.spec.seed), starts: progress.starts, pid: process.pid, threads: process.env.SKETCHPRUNE_THREADS ?? null };
};
