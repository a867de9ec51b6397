// Learning-rate schedules as pure functions of training progress, so a resumed run recomputes the exact
// rate of any step from (epoch, step in epoch) alone, with no scheduler state to save.
//
// Progress t counts epochs: t = epoch + step/stepsPerEpoch when stepping per iteration, t = epoch when
// stepping per epoch (PyTorch's scheduler.step() once per epoch). Each kind gives the main rate; a linear
// warm-up over the first `warmupEpochs` multiplies it by min(1, (t + unit)/warmupEpochs), where unit is one
// step (or one epoch), so the first step already moves and the rate reaches the base at the warm-up's end.

export type ScheduleKind = 'constant' | 'multistep' | 'cosine';
export type Stepping = 'iteration' | 'epoch';

export interface ScheduleOptions {
  kind: ScheduleKind;
  baseLr: number;
  /** Total training epochs (the cosine reaches minLr there). */
  epochs: number;
  /** multistep: epochs at which the rate is multiplied by gamma (the paper: 80, 120 of 160). */
  milestones?: number[];
  /** multistep: the factor at each milestone (default 0.1). */
  gamma?: number;
  /** cosine: the final rate (default 0). */
  minLr?: number;
  /** Linear warm-up length in epochs (default 0: none); the cosine then runs over the remaining epochs. */
  warmupEpochs?: number;
  /** 'iteration' (default) updates the rate every step; 'epoch' holds it for each whole epoch. */
  stepping?: Stepping;
}

export interface LrSchedule {
  readonly options: Readonly<Required<ScheduleOptions>>;
  /** The rate for step `stepInEpoch` (0-based) of `epoch` (0-based) with `stepsPerEpoch` steps per epoch. */
  lrAt(epoch: number, stepInEpoch?: number, stepsPerEpoch?: number): number;
}

export function createSchedule(options: ScheduleOptions): LrSchedule {
  const resolved = resolve(options);
  const { kind, baseLr, epochs, milestones, gamma, minLr, warmupEpochs, stepping } = resolved;
  const main = (t: number): number => {
    switch (kind) {
      case 'constant': return baseLr;
      case 'multistep': return baseLr * gamma ** milestones.filter((milestone) => milestone <= t).length;
      case 'cosine': {
        if (t <= warmupEpochs) return baseLr;
        const fraction = Math.min(1, (t - warmupEpochs) / (epochs - warmupEpochs));
        return minLr + (baseLr - minLr) * (1 + Math.cos(Math.PI * fraction)) / 2;
      }
    }
  };
  return {
    options: resolved,
    lrAt(epoch: number, stepInEpoch = 0, stepsPerEpoch = 1): number {
      if (!Number.isInteger(epoch) || epoch < 0) throw new RangeError(`lrAt: epoch must be an integer ≥ 0, got ${epoch}`);
      if (!Number.isInteger(stepsPerEpoch) || stepsPerEpoch < 1) {
        throw new RangeError(`lrAt: stepsPerEpoch must be a positive integer, got ${stepsPerEpoch}`);
      }
      if (!Number.isInteger(stepInEpoch) || stepInEpoch < 0 || stepInEpoch >= stepsPerEpoch) {
        throw new RangeError(`lrAt: stepInEpoch must be an integer in [0, ${stepsPerEpoch}), got ${stepInEpoch}`);
      }
      const perIteration = stepping === 'iteration';
      const t = perIteration ? epoch + stepInEpoch / stepsPerEpoch : epoch;
      const unit = perIteration ? 1 / stepsPerEpoch : 1;
      const warmup = warmupEpochs > 0 ? Math.min(1, (t + unit) / warmupEpochs) : 1;
      return main(t) * warmup;
    },
  };
}

function resolve(options: ScheduleOptions): Required<ScheduleOptions> {
  const kinds: ScheduleKind[] = ['constant', 'multistep', 'cosine'];
  if (!kinds.includes(options.kind)) throw new RangeError(`schedule: unknown kind '${options.kind}'; expected ${kinds.join(', ')}`);
  const finite = (name: string, value: number, min: number): number => {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
      throw new RangeError(`schedule: ${name} must be a finite number ≥ ${min}, got ${value}`);
    }
    return value;
  };
  const baseLr = finite('baseLr', options.baseLr, 0);
  const epochs = finite('epochs', options.epochs, 0);
  if (epochs <= 0) throw new RangeError(`schedule: epochs must be > 0, got ${epochs}`);
  const milestones = [...(options.milestones ?? [])];
  milestones.forEach((milestone, index) => {
    finite(`milestones[${index}]`, milestone, 0);
    if (index > 0 && milestone <= milestones[index - 1]) {
      throw new RangeError(`schedule: milestones must increase, got ${milestones.join(',')}`);
    }
  });
  if (options.kind === 'multistep' && milestones.length === 0) throw new RangeError('schedule: multistep needs at least one milestone');
  const warmupEpochs = finite('warmupEpochs', options.warmupEpochs ?? 0, 0);
  if (warmupEpochs >= epochs && options.kind === 'cosine') {
    throw new RangeError(`schedule: warmupEpochs (${warmupEpochs}) must be below epochs (${epochs}) for a cosine schedule`);
  }
  const stepping = options.stepping ?? 'iteration';
  if (stepping !== 'iteration' && stepping !== 'epoch') throw new RangeError(`schedule: stepping must be 'iteration' or 'epoch', got '${stepping}'`);
  return {
    kind: options.kind, baseLr, epochs, milestones, gamma: finite('gamma', options.gamma ?? 0.1, 0),
    minLr: finite('minLr', options.minLr ?? 0, 0), warmupEpochs, stepping,
  };
}
