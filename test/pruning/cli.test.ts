// `sketchprune prune`: masks file with its record, the density table, the .pt, figures, and usage errors.
import test, { describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadMasks } from '../../src/pruning/index.js';

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bin/sketchprune.js');
const cli = (...args: string[]) => spawnSync(process.execPath, [bin, 'prune', ...args], { encoding: 'utf8', env: { ...process.env, SKETCHPRUNE_THREADS: '1' } });

describe('sketchprune prune', () => {
  test('writes masks with the record, a .pt, and prints the per-layer table', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sketchprune-cli-'));
    const out = path.join(dir, 'lenet.safetensors');
    const run = cli('--model', 'lenet300', '--method', 'synflow', '--compression', '1', '--iterations', '4', '--out', out, '--pt', '--seed', '2');
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^fc_layers\.0\.weight\s+\[300×784\]/m);
    assert.match(run.stdout, /^total\s+26620\s+266200\s+10\.00%$/m);
    assert.match(run.stdout, new RegExp(`masks: ${out.replace(/[.]/g, '\\.')} and .*lenet\\.pt`));
    const { masks, record } = loadMasks(out);
    assert.equal(record!.method, 'synflow');
    assert.equal(record!.seed, 2);
    assert.equal(record!.kept, 26620);
    assert.equal(record!.options.iterations, 4);
    assert.equal(record!.options.precision, 'float32');
    assert.ok(fs.existsSync(path.join(dir, 'lenet.pt')));
    masks.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('--figures writes Figure 1 data and plots', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sketchprune-cli-fig-'));
    const run = cli('--model', 'lenet300', '--method', 'magnitude', '--density', '0.05', '--out', path.join(dir, 'm.safetensors'), '--figures', dir);
    assert.equal(run.status, 0, run.stderr);
    for (const file of ['figure1a.json', 'figure1b.json', 'figure1a.svg', 'figure1a.png', 'figure1b.svg', 'figure1b.png']) {
      assert.ok(fs.statSync(path.join(dir, file)).size > 0, file);
    }
    const b = JSON.parse(fs.readFileSync(path.join(dir, 'figure1b.json'), 'utf8'));
    assert.equal(b.values['magnitude scores'].length, 1000);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('--help, and usage errors exit 2 with the reason', () => {
    const help = cli('--help');
    assert.equal(help.status, 0);
    assert.match(help.stdout, /Usage: sketchprune prune --model NAME --method METHOD --density D/);
    const cases: [string[], RegExp][] = [
      [['--model', 'lenet300', '--method', 'synflow'], /give exactly one of --density, --compression or --sparsity/],
      [['--model', 'lenet300', '--method', 'synflow', '--density', '0.1', '--sparsity', '0.9'], /got --density and --sparsity/],
      [['--model', 'lenet300', '--method', 'snap', '--density', '0.1'], /unknown --method 'snap'/],
      [['--model', 'lenet300', '--method', 'imp', '--density', '0.1'], /imp trains between rounds/],
      [['--model', 'lenet300', '--method', 'synflow', '--density', '0.1', '--selection', 'best'], /--selection must be one of threshold, sketch-random, sketch, got 'best'/],
      [['--model', 'lenet300', '--method', 'synflow', '--density', '0.1', '--iterations', '0'], /--iterations must be an integer ≥ 1, got '0'/],
      [['--model', 'lenet300', '--method', 'synflow', '--density', '0.1', '--precision', 'half'], /--precision must be one of float32, float64, got 'half'/],
      [['--method', 'synflow', '--density', '0.1'], /--model is required/],
      [['--model', 'lenet300', '--method', 'synflow', '--density', '0.1', '--bogus'], /Unknown option '--bogus'/],
    ];
    for (const [args, message] of cases) {
      const run = cli(...args);
      assert.equal(run.status, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, message);
    }
    const bad = cli('--model', 'lenet300', '--method', 'synflow', '--density', '1.5');
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /density must lie in \(0, 1\] \(the kept fraction\), got 1.5/);
  });
});
