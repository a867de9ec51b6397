// `sketchprune launch` argument handling (the processes it starts: test/e2e/distributed.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run } from '../../src/cli/launch.js';

async function usage(argv: string[]): Promise<{ code: number; error: string }> {
  const lines: string[] = [];
  const original = console.error;
  console.error = (...parts: unknown[]) => { lines.push(parts.join(' ')); };
  try {
    return { code: await run(argv), error: lines.join('\n') };
  } finally {
    console.error = original;
  }
}

test('launch rejects bad arguments with exit code 2 and a message naming the problem', async () => {
  const cases: [string[], RegExp][] = [
    [['--', 'train'], /--nproc-per-node is required/],
    [['--nproc-per-node', '0', '--', 'train'], /--nproc-per-node must be an integer ≥ 1, got '0'/],
    [['--nproc-per-node', '2'], /no command: put it after --/],
    [['--nproc-per-node', '2', '--', 'prune'], /launch runs train or run, not 'prune'/],
    [['--nproc-per-node', '2', '--nnodes', '2', '--', 'train'], /--nnodes > 1 needs --master HOST:PORT/],
    [['--nproc-per-node', '2', '--nnodes', '2', '--node-rank', '2', '--master', 'h:1', '--', 'train'], /--node-rank must be below --nnodes \(2\)/],
    [['--nproc-per-node', '2', '--master', 'host', '--', 'train'], /--master must be HOST:PORT, got 'host'/],
    [['--nproc-per-node', '2', '--master', 'host:70000', '--', 'train'], /--master must be HOST:PORT/],
    [['--nproc-per-node', '2', '--timeout', '0', '--', 'train'], /--timeout must be a positive number/],
    [['--nproc-per-node', '2', 'train'], /unexpected argument 'train' \(put the command after --\)/],
    [['--nproc-per-node', '2', '--bogus', '--', 'train'], /Unknown option '--bogus'/],
  ];
  for (const [argv, message] of cases) {
    const { code, error } = await usage(argv);
    assert.equal(code, 2, `${argv.join(' ')}: exit code`);
    assert.match(error, message, argv.join(' '));
  }
});
