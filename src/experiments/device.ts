// Which device an experiment's runs use: the `device` of each run spec (cpu, cuda, cuda:N), or one device for
// all runs from the command line (`run --device`, `demo --device`). A run's device is part of its hash when it
// is not the CPU (CUDA kernels round differently), so a GPU run never resumes a CPU run's checkpoint.
import { checkDevice, type Device } from '../torch/index.js';

export { parseDevice } from '../torch/index.js';
import { planRun, type Experiment } from './experiment.js';

/** The experiment with every run on `device` (re-planned: names stay, hashes and directories follow the device). */
export function onDevice(experiment: Experiment, device: Device): Experiment {
  return { ...experiment, runs: experiment.runs.map((run) => (run.spec.device === device ? run : planRun({ ...run.spec, device }))) };
}

/** Checks every device the runs use before any run starts (a CPU-only libtorch refuses cuda here). */
export function checkExperimentDevices(experiment: Experiment): void {
  for (const device of new Set(experiment.runs.map((run) => run.spec.device))) checkDevice(device, 'device');
}
