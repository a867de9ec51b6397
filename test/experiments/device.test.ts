// The run's device end to end on this CPU-only machine: validated (cpu, cuda, cuda:N), part of the run's
// config and hash, refused with a clear message before any work where libtorch has no CUDA, and honoured on the
// CPU by the real executor (prune → train → evaluate). The CLI side: test/e2e/device-cli.test.ts.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildExperiment, checkExperimentDevices, onDevice, planRun, runExperiment, validateRunSpec } from '../../src/experiments/index.js';
import { configRecord } from '../../src/experiments/store.js';
import { ConfigError } from '../../src/experiments/schema-core.js';
import { buildInfo, checkDevice, parseDevice, setNumThreads } from '../../src/torch/index.js';

setNumThreads(1);
const cuda = buildInfo().cudaAvailable;
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sketchprune-device-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));

const tiny = {
  model: 'fc', modelOptions: { widths: [16] }, dataset: 'synthetic', data: { trainSubset: 128, testSubset: 64 },
  pruning: { method: 'synflow', iterations: 3 }, density: 0.3,
  train: { epochs: 1, batchSize: 32, maxStepsPerEpoch: 3, milestones: [] },
};

test('parseDevice accepts cpu, cuda and cuda:N and names the flag for anything else', () => {
  for (const name of ['cpu', 'cuda', 'cuda:0', 'cuda:12']) assert.equal(parseDevice(name), name);
  for (const name of ['gpu', 'CUDA', 'cuda:', 'cuda:01', 'cuda:-1', 'cuda:1.5', 'mps', '']) {
    assert.throws(() => parseDevice(name, '--device'), (error: Error) => error instanceof RangeError && error.message.startsWith('--device: expected cpu, cuda or cuda:N'));
  }
});

test('the run spec takes cuda:N; the device is in config.json and, off the CPU, in the hash', () => {
  assert.equal(validateRunSpec({ ...tiny, device: 'cuda:1' }, 'inline').device, 'cuda:1');
  assert.throws(() => validateRunSpec({ ...tiny, device: 'gpu' }, 'x.yaml'),
    (error: Error) => error instanceof ConfigError && error.problems.some((p) => p === 'device: unknown device "gpu" (expected cpu, cuda or cuda:N)'));
  const onCpu = planRun(validateRunSpec(tiny, 'inline'));
  const onCuda = planRun(validateRunSpec({ ...tiny, device: 'cuda' }, 'inline'));
  const onCuda1 = planRun(validateRunSpec({ ...tiny, device: 'cuda:1' }, 'inline'));
  assert.equal(new Set([onCpu.hash, onCuda.hash, onCuda1.hash]).size, 3);
  assert.equal(onCuda.name, onCpu.name);
  assert.equal(configRecord(onCpu, 'p').device, 'cpu');
  assert.equal(configRecord(onCuda1, 'p').device, 'cuda:1');
  // --device on the command line re-plans every run on that device
  const experiment = buildExperiment({ name: 'd', base: tiny, grid: { seed: [0, 1] } }, 'inline');
  const moved = onDevice(experiment, 'cuda');
  assert.deepEqual(moved.runs.map((r) => r.spec.device), ['cuda', 'cuda']);
  assert.deepEqual(moved.runs.map((r) => r.hash), experiment.runs.map((r) => planRun({ ...r.spec, device: 'cuda' }).hash));
  assert.notDeepEqual(moved.runs.map((r) => r.dirName), experiment.runs.map((r) => r.dirName));
  assert.equal(onDevice(experiment, 'cpu').runs[0], experiment.runs[0]);
});

test('a CUDA device is refused before any work where libtorch has no CUDA', { skip: cuda && 'this libtorch has CUDA' }, async () => {
  assert.throws(() => checkDevice('cuda', '--device'), /^Error: --device cuda: CUDA not available in this libtorch build/);
  assert.throws(() => checkDevice('cuda:3'), /CUDA not available in this libtorch build/);
  assert.doesNotThrow(() => checkDevice('cpu'));
  const experiment = buildExperiment({ name: 'd', base: { ...tiny, device: 'cuda' } }, 'inline');
  assert.throws(() => checkExperimentDevices(experiment), /device cuda: CUDA not available in this libtorch build/);
  // the real executor refuses too (a worker process running a cuda run file), before it loads data
  const { execute } = await import('../../src/experiments/execute.js');
  const dir = path.join(root, 'refused');
  fs.mkdirSync(dir);
  await assert.rejects(execute(experiment.runs[0]!, { dir, log: () => {} }), /CUDA not available in this libtorch build/);
  assert.deepEqual(fs.readdirSync(dir), []);
});

test('the real executor runs a device: cpu run (prune → train → evaluate) and records the device', async () => {
  const experiment = buildExperiment({ name: 'cpu-run', base: { ...tiny, device: 'cpu' } }, 'inline');
  const out = path.join(root, 'cpu-run');
  const outcomes = await runExperiment(experiment, { out });
  assert.deepEqual(outcomes.map((o) => o.status), ['finished']);
  const dir = path.join(out, experiment.runs[0]!.dirName);
  const config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
  assert.equal(config.device, 'cpu');
  const result = JSON.parse(fs.readFileSync(path.join(dir, 'result.json'), 'utf8'));
  assert.ok(Math.abs(result.measuredDensity - 0.3) < 0.01, `density ${result.measuredDensity}`);
  assert.equal(result.steps, 3);
});
