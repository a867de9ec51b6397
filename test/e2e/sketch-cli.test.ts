// `sketchprune sketch compare` through the command line: JSON, Markdown and SVG/PNG plots; bad flags of both
// subcommands exit 2 with a message. (`sketch verify`'s files are test/sketch/report.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const cli = (...args: string[]) => spawnSync(process.execPath, [path.join(root, 'bin', 'sketchprune.js'), 'sketch', ...args],
  { encoding: 'utf8', env: { ...process.env, SKETCHPRUNE_THREADS: '1' } });

test('sketch compare writes JSON, Markdown and SVG/PNG plots; bad flags exit 2 with a message', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'sketch-compare-'));
  try {
    const result = cli('compare', '--out', out, '--d', '60', '--n', '8', '--reps', '3', '--budgets', '6,30', '--drifts', '0,1', '--seed', '2');
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /compare: repetition 1\/3/);
    const report = JSON.parse(fs.readFileSync(path.join(out, 'compare.json'), 'utf8'));
    assert.deepEqual(report.versusBudget.series[0].points.map((point: { x: number }) => point.x), [6, 30]);
    assert.match(fs.readFileSync(path.join(out, 'compare.md'), 'utf8'), /## Error versus s/);
    for (const name of ['compare-vs-budget', 'compare-vs-distance']) {
      assert.ok(fs.statSync(path.join(out, `${name}.png`)).size > 1000);
      assert.match(fs.readFileSync(path.join(out, `${name}.svg`), 'utf8'), /<svg/);
    }
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
  for (const [args, message] of [
    [['verify', '--d', '5'], /--d applies to 'compare', not 'verify'/],
    [['compare', '--drift-kind', 'sideways'], /--drift-kind must be one of dense, smallest, largest, got 'sideways'/],
    [['compare', '--reps', '1'], /--reps must be an integer ≥ 2, got '1'/],
    [['compare', '--budgets', '5,x'], /--budgets must be a comma-separated list of numbers/],
    [['verify', '--z', '0'], /--z must be a positive number, got '0'/],
    [['shuffle'], /unknown subcommand 'shuffle'; expected verify or compare/],
  ] as const) {
    const result = cli(...args);
    assert.equal(result.status, 2, `${args.join(' ')}: ${result.stdout}${result.stderr}`);
    assert.match(result.stderr, message);
  }
  assert.match(cli('--help').stdout, /Usage: sketchprune sketch <verify\|compare>/);
});
