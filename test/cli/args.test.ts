// The shared flag checkers (src/cli/args.ts) and the exit statuses of the commands that use them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UsageError, choice, deviceName, exitCode, integer, number, numberList, parseFlags, threadCount } from '../../src/cli/args.js';
import { run as info } from '../../src/cli/info.js';
import { run as sketch } from '../../src/cli/sketch.js';

/** Asserts fn throws a UsageError with exactly this message. */
function usageError(fn: () => unknown, message: string | RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof UsageError, `expected a UsageError, got ${String(error)}`);
    if (typeof message === 'string') assert.equal(error.message, message);
    else assert.match(error.message, message);
    assert.equal(error.name, 'UsageError');
    return true;
  });
}

/** Runs fn with console.log/error captured; returns its result and what it printed. */
async function captured<T>(fn: () => Promise<T>): Promise<{ result: T; stdout: string; stderr: string }> {
  const [log, error] = [console.log, console.error];
  let stdout = '';
  let stderr = '';
  console.log = (...args: unknown[]) => { stdout += args.join(' ') + '\n'; };
  console.error = (...args: unknown[]) => { stderr += args.join(' ') + '\n'; };
  try {
    return { result: await fn(), stdout, stderr };
  } finally {
    [console.log, console.error] = [log, error];
  }
}

test('number: finite values, an optional minimum; blanks, NaN, Infinity and values below it are UsageErrors', () => {
  assert.equal(number('--lr', '0.1'), 0.1);
  assert.equal(number('--lr', '-2.5e-3'), -2.5e-3);
  assert.equal(number('--lr', ' 3 '), 3);
  assert.equal(number('--wd', '0', 0), 0);
  usageError(() => number('--lr', ''), "--lr must be a number, got ''");
  usageError(() => number('--lr', '   '), "--lr must be a number, got '   '");
  usageError(() => number('--lr', 'fast'), "--lr must be a number, got 'fast'");
  usageError(() => number('--lr', 'Infinity'), "--lr must be a number, got 'Infinity'");
  usageError(() => number('--wd', '-1e-9', 0), "--wd must be a number ≥ 0, got '-1e-9'");
});

test('integer: safe integers, an optional minimum; fractions, blanks and huge values are UsageErrors', () => {
  assert.equal(integer('--seed', '0', 0), 0);
  assert.equal(integer('--epochs', '160', 1), 160);
  assert.equal(integer('--offset', '-3'), -3);
  usageError(() => integer('--epochs', '', 1), "--epochs must be an integer ≥ 1, got ''"); // Number('') is 0
  usageError(() => integer('--epochs', '0', 1), "--epochs must be an integer ≥ 1, got '0'");
  usageError(() => integer('--epochs', '2.5', 1), "--epochs must be an integer ≥ 1, got '2.5'");
  usageError(() => integer('--epochs', '9007199254740993', 1), "--epochs must be an integer ≥ 1, got '9007199254740993'");
  usageError(() => integer('--offset', 'x'), "--offset must be an integer, got 'x'");
});

test('choice and numberList', () => {
  const kind: 'a' | 'b' = choice('--kind', 'b', ['a', 'b'] as const);
  assert.equal(kind, 'b');
  usageError(() => choice('--kind', 'c', ['a', 'b']), "--kind must be one of a, b, got 'c'");
  assert.deepEqual(numberList('--budgets', '10, 20,5e1'), [10, 20, 50]);
  usageError(() => numberList('--budgets', '5,x'), "--budgets must be a comma-separated list of numbers, got '5,x'");
  usageError(() => numberList('--budgets', '5,,6'), "--budgets must be a comma-separated list of numbers, got '5,,6'");
  usageError(() => numberList('--budgets', ''), "--budgets must be a comma-separated list of numbers, got ''");
});

test('parseFlags turns parseArgs errors into UsageErrors; exitCode is 2 for usage errors, 1 for the rest', () => {
  assert.deepEqual({ ...parseFlags({ args: ['--n', '3'], options: { n: { type: 'string' } } }).values }, { n: '3' });
  usageError(() => parseFlags({ args: ['--colour'], options: { n: { type: 'string' } }, strict: true }),
    /^Unknown option '--colour'/);
  assert.equal(exitCode(new UsageError('x')), 2);
  assert.equal(exitCode(new RangeError('x')), 1);
  assert.equal(exitCode(new Error('ENOSPC')), 1);
  assert.equal(exitCode('thrown string'), 1);
});

test('info: an unknown flag is a usage error (exit 2), --help exits 0', async () => {
  const bad = await captured(() => info(['--bogus']));
  assert.equal(bad.result, 2);
  assert.match(bad.stderr, /^sketchprune info: Unknown option '--bogus'/);
  assert.match(bad.stderr, /Usage: sketchprune info/);
  const extra = await captured(() => info(['now']));
  assert.equal(extra.result, 2);
  assert.match(extra.stderr, /Unexpected argument 'now'/);
  const help = await captured(() => info(['--help']));
  assert.equal(help.result, 0);
  assert.match(help.stdout, /Prints the libtorch version/);
  const plain = await captured(() => info([]));
  assert.equal(plain.result, 0);
  assert.match(plain.stdout, /^libtorch \d+\.\d+\.\d+; threads \d+; CUDA (no|yes)/);
});

test('sketch: bad flags exit 2; a failure while running (unwritable --out) exits 1, not 2', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sketchprune-cli-args-'));
  try {
    const file = path.join(dir, 'a-file');
    fs.writeFileSync(file, '');
    const bad = await captured(() => sketch(['compare', '--reps', '1']));
    assert.equal(bad.result, 2);
    assert.match(bad.stderr, /--reps must be an integer ≥ 2, got '1'/);
    const unknown = await captured(() => sketch(['verify', '--colour']));
    assert.equal(unknown.result, 2);
    assert.match(unknown.stderr, /Unknown option '--colour'/);
    const failed = await captured(() => sketch(['compare', '--out', path.join(file, 'out'), '--d', '20', '--n', '4', '--reps', '2',
      '--budgets', '5', '--drifts', '0']));
    assert.equal(failed.result, 1, failed.stderr);
    assert.match(failed.stderr, /^sketchprune sketch compare: .*(ENOTDIR|not a directory)/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('deviceName and threadCount: the --device and --threads checks prune, train and demo share', () => {
  for (const name of ['cpu', 'cuda', 'cuda:3']) assert.equal(deviceName('--device', name), name);
  usageError(() => deviceName('--device', 'gpu'), /^--device: expected cpu, cuda or cuda:N/);
  assert.equal(threadCount('--threads', '1'), 1);
  usageError(() => threadCount('--threads', '0'), "--threads must be an integer ≥ 1, got '0'");
  usageError(() => threadCount('--threads', '2.5'), "--threads must be an integer ≥ 1, got '2.5'");
  const tooMany = 4 * os.availableParallelism() + 1;
  usageError(() => threadCount('--threads', String(tooMany)), new RegExp(`^--threads ${tooMany} is more than 4 per core`));
});
