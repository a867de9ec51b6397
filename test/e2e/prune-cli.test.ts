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

  test('the Section 8 readings and the keep rule reach the record', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sketchprune-cli-readings-'));
    const out = path.join(dir, 'm.safetensors');
    const run = cli('--model', 'lenet300', '--method', 'magnitude', '--density', '0.05', '--selection', 'sketch-random',
      '--replacement', '--mask-values', 'scaled', '--keep-rule', 'synaptic-flow', '--out', out);
    assert.equal(run.status, 0, run.stderr);
    const { masks, record } = loadMasks(out);
    assert.deepEqual(record!.options.randomMask, { replacement: true, values: 'scaled' });
    assert.equal(record!.options.keepRule, 'synaptic-flow');
    assert.equal(masks.isBinary(), false);
    assert.ok(record!.kept <= 266200 - Math.trunc(0.95 * 266200));
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

  // SNIP with sparse input scores many weights exactly 0 and the rest over ~7 decades: on linear bins every kept
  // weight sat in the first bin with hundreds of others (invisible). Log bins place every kept weight.
  test('--figures: SNIP + sparse input gets a log score axis on which every kept weight is placed', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sketchprune-cli-fig-snip-'));
    const run = cli('--model', 'lenet300', '--method', 'snip', '--input', 'sparse', '--density', '0.02', '--out', path.join(dir, 'm.safetensors'), '--figures', dir);
    assert.equal(run.status, 0, run.stderr);
    const b = JSON.parse(fs.readFileSync(path.join(dir, 'figure1b.json'), 'utf8'));
    assert.equal(b.histogram.log, true);
    const scores: number[] = b.values['snip scores'];
    const zeros = scores.filter((v) => v === 0).length;
    assert.ok(zeros > 100, `sparse input leaves many scores at exactly 0 (${zeros} of 1000)`);
    const all = b.histogram.series.find((s: { name: string }) => s.name === 'snip scores');
    assert.equal(all.nonPositive, zeros);
    assert.equal(all.counts.reduce((a: number, c: number) => a + c, 0), 1000 - zeros);
    for (const name of ['snip mask', 'snip + randomized mask']) {
      const kept = b.histogram.series.find((s: { name: string }) => s.name === name);
      assert.ok(kept.count > 0 && kept.nonPositive === 0, `${name}: ${kept.count} kept, none at 0`);
      assert.equal(kept.counts.reduce((a: number, c: number) => a + c, 0), kept.count, `${name}: every kept weight is in a bin`);
      assert.ok(kept.counts.filter((c: number) => c > 0).length >= 3, `${name} spreads over several log bins`);
    }
    const svg = fs.readFileSync(path.join(dir, 'figure1b.svg'), 'utf8');
    assert.ok(svg.includes('snip score (log scale)') && svg.includes('count (symlog scale)'));
    assert.ok(svg.includes(`snip scores (${zeros} of 1000 ≤ 0: not on the log axis)`));
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
      [['--model', 'lenet300', '--method', 'synflow', '--density', '0.1', '--replacement'], /--replacement and --mask-values apply to --selection sketch-random/],
      [['--model', 'lenet300', '--method', 'synflow', '--density', '0.1', '--keep-rule', 'ceil'], /--keep-rule must be one of round, synaptic-flow, got 'ceil'/],
    ];
    for (const [args, message] of cases) {
      const run = cli(...args);
      assert.equal(run.status, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, message);
    }
    // A density outside (0, 1] is a usage error, refused before the model is built.
    const bad = cli('--model', 'lenet300', '--method', 'synflow', '--density', '1.5');
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--density is the kept fraction, in \(0, 1\], got '1\.5'/);
    assert.equal(bad.stdout, '');
  });
});
