// Config validation, run hashing and grid expansion.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { buildExperiment, expandGrid, hashedFields, loadExperiment, runHash } from '../../src/experiments/experiment.js';
import { methodLabel, validateRunSpec } from '../../src/experiments/run-spec.js';
import { ConfigError, canonicalJson } from '../../src/experiments/schema-core.js';

const minimal = { model: 'lenet300', dataset: 'fashion-mnist', pruning: { method: 'synflow' }, density: 0.1 };

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${error}`);
    return error.problems;
  }
  assert.fail('expected a ConfigError');
}

test('defaults are filled in and the paper recipe is the default training', () => {
  const spec = validateRunSpec(minimal, 'inline');
  assert.equal(spec.seed, 0);
  assert.deepEqual(spec.train.milestones, [80, 120]);
  assert.equal(spec.train.epochs, 160);
  assert.equal(spec.train.batchSize, 128);
  assert.equal(spec.train.lr, 0.1);
  assert.equal(spec.train.weightDecay, 1e-4);
  assert.equal(spec.pruning.selection, 'threshold');
});

test('validation names the field path for unknown key, wrong type, density range and unknown names', () => {
  assert.deepEqual(problemsOf(() => validateRunSpec({ ...minimal, seeed: 1 }, 'x.yaml')), [
    "seeed: unknown key 'seeed' (did you mean 'seed'?) (allowed: model, modelOptions, dataset, data, pruning, density, seed, train, device, analysis)",
  ]);
  assert.deepEqual(problemsOf(() => validateRunSpec({ ...minimal, train: { lr: '0.1' } }, 'x')), [
    'train.lr: expected a finite number, got string "0.1"',
  ]);
  assert.deepEqual(problemsOf(() => validateRunSpec({ ...minimal, density: 0 }, 'x')), ['density: must be in (0, 1], got 0']);
  assert.deepEqual(problemsOf(() => validateRunSpec({ ...minimal, density: 1.5 }, 'x')), ['density: must be in (0, 1], got 1.5']);
  const [modelProblem] = problemsOf(() => validateRunSpec({ ...minimal, model: 'vgg99' }, 'x'));
  assert.match(modelProblem!, /^model: unknown model "vgg99" \(expected one of: .*vgg19/);
  const [methodProblem] = problemsOf(() => validateRunSpec({ ...minimal, pruning: { method: 'synflw' } }, 'x'));
  assert.match(methodProblem!, /^pruning\.method: unknown pruning method "synflw" \(expected one of: none, random/);
  assert.deepEqual(problemsOf(() => validateRunSpec({ model: 'fc' }, 'x')), [
    'dataset: required field is missing', 'pruning: required field is missing', 'density: required field is missing',
  ]);
  assert.deepEqual(problemsOf(() => validateRunSpec({ ...minimal, seed: 1.5 }, 'x')), ['seed: must be an integer, got 1.5']);
});

test('the error message names the file and every problem', () => {
  try {
    validateRunSpec({ ...minimal, density: -1, device: 'tpu' }, 'presets/x.yaml');
    assert.fail('no error');
  } catch (error) {
    assert.equal((error as Error).message,
      'presets/x.yaml: invalid config:\n  density: must be in (0, 1], got -1\n  device: unknown device "tpu" (expected cpu, cuda or cuda:N)');
  }
});

test('experiment files: grid paths in errors, YAML parse errors name the file', () => {
  const problems = problemsOf(() => buildExperiment({
    name: 'x', base: minimal, grid: { pruning: [{ method: 'snip' }, { method: 'bogus' }], densty: [0.1] },
  }, 'exp.yaml'));
  assert.deepEqual(problems.map((p) => p.split(' (')[0]), [
    'grid.pruning[1].method: unknown pruning method "bogus"',
    "grid.densty: unknown key 'densty'",
  ]);
  assert.deepEqual(problemsOf(() => buildExperiment({ name: 'x', base: minimal, grid: { density: [0.1, 2] } }, 'e')),
    ['grid.density[1]: must be in (0, 1], got 2']);
  assert.deepEqual(problemsOf(() => buildExperiment({ name: 'x', base: { model: 'fc' }, grid: { density: [0.1] } }, 'e')).slice(0, 1),
    ['run {density=0.1}: dataset: required field is missing']);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sp-config-'));
  const file = path.join(dir, 'broken.yaml');
  fs.writeFileSync(file, 'name: x\nbase: [unclosed\n');
  assert.throws(() => loadExperiment(file), (e: Error) => e.message.startsWith(`${file}: invalid config:\n  cannot parse YAML:`));
  fs.writeFileSync(path.join(dir, 'x.toml'), '');
  assert.throws(() => loadExperiment(path.join(dir, 'x.toml')), /unknown config extension '\.toml'/);
});

test('run hash: pinned value, only non-default fields count', () => {
  const spec = validateRunSpec(minimal, 'x');
  assert.deepEqual(hashedFields(spec), { model: 'lenet300', dataset: 'fashion-mnist', pruning: { method: 'synflow' }, density: 0.1 });
  // Independent computation: SHA-256 of the canonical JSON written out by hand.
  const expected = createHash('sha256')
    .update('{"dataset":"fashion-mnist","density":0.1,"model":"lenet300","pruning":{"method":"synflow"}}')
    .digest('hex').slice(0, 16);
  assert.equal(runHash(spec), expected);
  assert.equal(runHash(spec), 'a2acff26ceeca343'); // pinned: changes here invalidate every stored run
  // Writing a default explicitly does not change the hash; key order does not matter.
  const explicit = validateRunSpec({ density: 0.1, pruning: { selection: 'threshold', method: 'synflow' }, seed: 0, dataset: 'fashion-mnist', model: 'lenet300', train: { epochs: 160 } }, 'x');
  assert.equal(runHash(explicit), runHash(spec));
  // A non-default field does.
  assert.notEqual(runHash(validateRunSpec({ ...minimal, seed: 1 }, 'x')), runHash(spec));
  assert.notEqual(runHash(validateRunSpec({ ...minimal, train: { epochs: 2 } }, 'x')), runHash(spec));
  assert.equal(canonicalJson({ b: [1, { d: 1, c: 2 }], a: 'x' }), '{"a":"x","b":[1,{"c":2,"d":1}]}');
});

test('grid expansion: counts are the product of the axes, duplicates run once, scales override', () => {
  assert.equal(expandGrid({}).length, 1);
  assert.equal(expandGrid({ a: [1, 2], b: [1, 2, 3], c: [0] }).length, 6);
  const experiment = {
    name: 'grid',
    base: { model: 'lenet300', dataset: 'fashion-mnist', train: { epochs: 1 } },
    grid: {
      pruning: [{ method: 'synflow' }, { method: 'synflow', selection: 'sketch-random' }, { method: 'snip', input: 'sparse' }],
      density: [0.1, 0.05, 0.02],
      seed: [0, 1],
    },
    scales: { full: { base: { model: 'vgg19', dataset: 'cifar10', train: { epochs: 160 } }, grid: { seed: [0, 1, 2] } } },
  };
  const cpu = buildExperiment(experiment, 'e', 'cpu');
  assert.equal(cpu.runs.length, 3 * 3 * 2);
  assert.equal(new Set(cpu.runs.map((r) => r.hash)).size, 18);
  assert.deepEqual(cpu.runs.slice(0, 2).map((r) => [r.spec.pruning.method, r.spec.density, r.spec.seed]), [['synflow', 0.1, 0], ['synflow', 0.1, 1]]);
  const full = buildExperiment(experiment, 'e', 'full');
  assert.equal(full.runs.length, 3 * 3 * 3);
  assert.equal(full.runs[0]!.spec.model, 'vgg19');
  assert.equal(full.runs[0]!.spec.train.epochs, 160);
  assert.equal(full.runs[0]!.spec.dataset, 'cifar10');
  const duplicated = buildExperiment({ ...experiment, grid: { ...experiment.grid, seed: [0, 0] } }, 'e');
  assert.equal(duplicated.runs.length, 9);
});

test('method labels follow the paper wording', () => {
  const label = (pruning: object) => methodLabel(validateRunSpec({ ...minimal, pruning }, 'x').pruning);
  assert.equal(label({ method: 'synflow' }), 'SynFlow');
  assert.equal(label({ method: 'synflow', input: 'chi' }), 'SynFlow + χ');
  assert.equal(label({ method: 'synflow', selection: 'sketch-random', input: 'chi' }), 'SynFlow + rand. mask + χ');
  assert.equal(label({ method: 'snip', input: 'sparse', selection: 'sketch-random' }), 'SNIP + sparse data + rand. mask');
  assert.equal(label({ method: 'snip' }), 'SNIP (supervised)');
  assert.equal(label({ method: 'imp', input: 'normal', selection: 'sketch-random' }), 'IMP + rand. data + rand. mask');
  assert.equal(label({ method: 'grasp', input: 'normal' }), 'GraSP + normal data');
  assert.equal(label({ method: 'magnitude' }), 'Magnitude');
  assert.equal(label({ method: 'random', label: 'Uniform' }), 'Uniform');
});

test('labels name the non-default readings of Section 8 and of IMP\'s random data, so tables keep them apart', () => {
  const label = (pruning: object) => methodLabel(validateRunSpec({ ...minimal, pruning }, 'x').pruning);
  assert.equal(label({ method: 'synflow', selection: 'sketch-random', replacement: true, maskValues: 'scaled', selectionAt: 'final' }),
    'SynFlow + rand. mask (with repl., scaled, last iter.)');
  assert.equal(label({ method: 'synflow', selection: 'sketch-random', maskValues: 'scaled' }), 'SynFlow + rand. mask (scaled)');
  assert.equal(label({ method: 'synflow', keepRule: 'synaptic-flow' }), 'SynFlow (Synaptic-Flow count)');
  assert.equal(label({ method: 'imp', input: 'normal', imp: { randomData: 'stream' } }), 'IMP + rand. data (stream)');
  assert.equal(label({ method: 'imp', input: 'normal', imp: { fractions: { fc: 0.2, conv: 0.1, output: 0.1 } } }), 'IMP + rand. data');
  assert.deepEqual(problemsOf(() => validateRunSpec({ ...minimal, pruning: { method: 'imp', imp: { fractions: { fc: 0.2 } } } }, 'x')),
    ['pruning.imp.fractions.conv: required field is missing', 'pruning.imp.fractions.output: required field is missing']);
  // the new fields leave old runs' hashes alone
  assert.equal(runHash(validateRunSpec({ ...minimal, pruning: { method: 'synflow', replacement: false, maskValues: 'binary', keepRule: 'round', imp: { randomData: 'fixed' } } }, 'x')), 'a2acff26ceeca343');
});

test('IMP runs hash with a revision marker (their meaning changed); other runs keep their hashes', () => {
  const imp = validateRunSpec({ ...minimal, pruning: { method: 'imp' } }, 'x');
  const expected = createHash('sha256')
    .update('{"dataset":"fashion-mnist","density":0.1,"impRevision":2,"model":"lenet300","pruning":{"method":"imp"}}')
    .digest('hex').slice(0, 16);
  assert.equal(runHash(imp), expected);
  assert.equal(runHash(validateRunSpec(minimal, 'x')), 'a2acff26ceeca343');
});

test("input 'data' (the old name) loads as 'real' and keeps its hash and label; unknown inputs name the alias", () => {
  const old = validateRunSpec({ ...minimal, pruning: { method: 'snip', input: 'data' } }, 'x');
  const renamed = validateRunSpec({ ...minimal, pruning: { method: 'snip', input: 'real' } }, 'x');
  assert.equal(old.pruning.input, 'real');
  // Independent computation: the hash the old code gave `input: data` (the canonical JSON written out by hand).
  const expected = createHash('sha256')
    .update('{"dataset":"fashion-mnist","density":0.1,"model":"lenet300","pruning":{"input":"data","method":"snip"}}')
    .digest('hex').slice(0, 16);
  assert.equal(runHash(old), expected);
  assert.equal(runHash(renamed), expected);
  assert.equal(methodLabel(old.pruning), 'SNIP (supervised)');
  assert.equal(methodLabel(validateRunSpec({ ...minimal, pruning: { method: 'synflow', input: 'data' } }, 'x').pruning), 'SynFlow + data input');
  assert.throws(() => validateRunSpec({ ...minimal, pruning: { method: 'snip', input: 'dataset' } }, 'x'),
    /pruning\.input: unknown input source "dataset" \(expected one of: auto, real, normal, sparse, chi, ones; data means real\)/);
});
