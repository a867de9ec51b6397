// The method registry is the one place a method is declared: a toy scorer registered here, through the public
// registerMethod alone (no other file knows it), runs through prune(), appears in `sketchprune prune --help`,
// runs from the CLI, and passes experiment-file validation, labels and hashing. Unregistered afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as T from '../../src/torch/index.js';
import {
  findMethod, listMethods, loadMasks, methodNames, prune, registerMethod, unregisterMethod, type MethodEntry,
} from '../../src/pruning/index.js';
import { run as pruneCli } from '../../src/cli/prune.js';
import { methodLabel, validateRunSpec } from '../../src/experiments/run-spec.js';
import { runHash } from '../../src/experiments/experiment.js';
import { deepLinear } from './helpers.js';

/** Keeps the smallest |w|: scores −|w|. */
const negmagnitude: MethodEntry = {
  name: 'negmagnitude', label: 'Neg. magnitude', describe: '−|w| (keeps the smallest weights)', needs: 'none', trains: false,
  defaults: { iterations: 1, input: null, selection: 'threshold', scope: 'global' },
  create: () => ({
    score: (context) => context.parameters.map(({ tensor }) => tensor.abs().neg().to('float64')),
    dispose: () => {},
  }),
};

async function captureLog(body: () => Promise<number>): Promise<{ status: number; text: string }> {
  const lines: string[] = [];
  const original = console.log;
  console.log = (...args: unknown[]) => { lines.push(args.join(' ')); };
  try {
    return { status: await body(), text: lines.join('\n') };
  } finally {
    console.log = original;
  }
}

test('a toy scorer registered in a test runs through prune(), the CLI and experiment files', async () => {
  registerMethod(negmagnitude);
  try {
    assert.ok(methodNames().includes('negmagnitude'));
    assert.equal(findMethod('negmagnitude'), negmagnitude);

    // prune(): the kept weights are the round(d·N) smallest |w| over all layers (brute force on the values)
    T.manualSeed(3);
    const model = deepLinear([7, 6, 5]);
    const weights = T.tidy(() => model.parameters().flatMap((p) => Array.from(p.data() as Float32Array)));
    const result = await prune(model, { method: 'negmagnitude', density: 0.25, seed: 1 });
    const keep = Math.round(0.25 * weights.length);
    const cutoff = weights.map(Math.abs).sort((a, b) => a - b)[keep - 1];
    const kept = T.tidy(() => result.masks.entries().flatMap(([, mask]) => Array.from(mask.to('float32').data() as Float32Array)));
    assert.equal(kept.length, weights.length);
    weights.forEach((w, i) => assert.equal(kept[i], Math.abs(w) <= cutoff ? 1 : 0, `weight ${i} (|w| = ${Math.abs(w)})`));
    assert.equal(result.record.method, 'negmagnitude');
    assert.equal(result.record.kept, keep);
    result.masks.dispose();
    model.dispose();

    // CLI: listed in --help (method list and Methods section), accepted by --method
    const help = await captureLog(() => pruneCli(['--help']));
    assert.equal(help.status, 0);
    assert.match(help.text, /--method METHOD +random, magnitude, .*\bnegmagnitude\b/);
    assert.match(help.text, /^ {2}negmagnitude +data-free\n +−\|w\| \(keeps the smallest weights\)$/m);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sketchprune-registry-'));
    const out = path.join(dir, 'masks.safetensors');
    const cli = await captureLog(() => pruneCli(['--model', 'lenet300', '--method', 'negmagnitude', '--density', '0.1', '--out', out]));
    assert.equal(cli.status, 0);
    const saved = loadMasks(out);
    assert.equal(saved.record!.method, 'negmagnitude');
    assert.equal(saved.record!.kept, 26620);
    saved.masks.dispose();
    fs.rmSync(dir, { recursive: true, force: true });

    // experiment files: validated, labelled and hashed from the entry
    const spec = validateRunSpec({ model: 'lenet300', dataset: 'fashion-mnist', density: 0.1, pruning: { method: 'negmagnitude', selection: 'sketch-random' } }, 'x');
    assert.equal(methodLabel(spec.pruning), 'Neg. magnitude + rand. mask');
    assert.match(runHash(spec), /^[0-9a-f]{16}$/);
  } finally {
    assert.equal(unregisterMethod('negmagnitude'), true);
  }
  assert.ok(!methodNames().includes('negmagnitude'));
  assert.throws(() => findMethod('negmagnitude'), /unknown pruning method 'negmagnitude'; known methods: random, magnitude, snip, grasp, synflow, ntk-sketch, imp/);
  assert.throws(() => validateRunSpec({ model: 'lenet300', dataset: 'fashion-mnist', density: 0.1, pruning: { method: 'negmagnitude' } }, 'x'),
    /pruning\.method: unknown pruning method "negmagnitude"/);
  const help = await captureLog(() => pruneCli(['--help']));
  assert.doesNotMatch(help.text, /negmagnitude/);
});

test('registration checks an entry whole, so a mistake shows at once', () => {
  const bad = (change: Record<string, unknown>) => ({ ...negmagnitude, ...change }) as MethodEntry;
  assert.throws(() => registerMethod(bad({ name: 'magnitude' })), /"magnitude": that name is already registered/);
  assert.throws(() => registerMethod(bad({ name: 'none' })), /'none' means no pruning/);
  assert.throws(() => registerMethod(bad({ name: 'Neg Mag' })), /lower-case letters, digits and dashes/);
  assert.throws(() => registerMethod(bad({ create: undefined })), /a scoring method needs create\(\)/);
  assert.throws(() => registerMethod(bad({ trains: true })), /a method that trains needs run\(\)/);
  assert.throws(() => registerMethod(bad({ needs: 'batches' })), /defaults\.input is null exactly when needs is none/);
  assert.throws(() => registerMethod(bad({ defaults: { ...negmagnitude.defaults, selection: 'median' } })), /unknown selection 'median'/);
  assert.throws(() => registerMethod(bad({ defaults: { ...negmagnitude.defaults, iterations: 0 } })), /iterations must be a positive integer/);
  assert.deepEqual(methodNames(), ['random', 'magnitude', 'snip', 'grasp', 'synflow', 'ntk-sketch', 'imp']);
});

test('every built-in method declares what the CLI and experiments read', () => {
  for (const entry of listMethods()) {
    assert.equal(entry.needs === 'none', entry.defaults.input === null, entry.name);
    if (entry.needs === 'one-example') assert.equal(entry.defaults.input!.batchSize, 1, entry.name);
  }
  // the facts that used to be restated in help text and run specs
  assert.equal(findMethod('synflow').defaults.iterations, 100);
  assert.deepEqual(findMethod('synflow').defaults.input, { source: 'ones', batchSize: 1, batches: 1 });
  assert.deepEqual(findMethod('synflow').precisions, ['float32', 'float64']);
  assert.equal(findMethod('ntk-sketch').defaults.input!.batchSize, 32);
  assert.equal(findMethod('imp').trains, true);
  assert.equal(listMethods().filter((entry) => entry.trains).map((entry) => entry.name).join(), 'imp');
});

test('prune CLI checks read the entries: trains, precisions, input names (with the data alias)', async () => {
  const errors: string[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => { errors.push(args.join(' ')); };
  try {
    const base = ['--model', 'lenet300', '--density', '0.1'];
    assert.equal(await pruneCli([...base, '--method', 'imp']), 2);
    assert.match(errors.pop()!, /--method imp trains between rounds; run it through an experiment/);
    assert.equal(await pruneCli([...base, '--method', 'magnitude', '--precision', 'float64']), 2);
    assert.match(errors.pop()!, /--precision applies to synflow, not magnitude/);
    assert.equal(await pruneCli([...base, '--method', 'synflow', '--precision', 'float16']), 2);
    assert.match(errors.pop()!, /--precision/);
    assert.equal(await pruneCli([...base, '--method', 'synflow', '--input', 'dataset']), 2);
    assert.match(errors.pop()!, /unknown --input 'dataset'; expected one of real, normal, sparse, chi, ones \('data' is another name for 'real'\)/);
    assert.equal(await pruneCli([...base, '--method', 'snip', '--input', 'data']), 2); // the alias means real: it needs --dataset
    assert.match(errors.pop()!, /--input real needs --dataset/);
  } finally {
    console.error = original;
  }
});
