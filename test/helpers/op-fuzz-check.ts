// Runs test/helpers/op-fuzz.ts in a child process with `callsPerOp` random calls per bound operator and asserts
// that it never aborted and that everything thrown was an Error. The unit tier (test/torch/errors.test.ts) runs
// a few calls per operator, the e2e tier (test/e2e/op-fuzz.test.ts) the full count.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { repositoryRoot } from './pytorch.js';

export function checkOpFuzz(callsPerOp: number): void {
  const script = path.join(repositoryRoot, 'dist', 'test', 'helpers', 'op-fuzz.js');
  const child = spawnSync(process.execPath, [script, String(callsPerOp)], { encoding: 'utf8', env: { ...process.env, SKETCHPRUNE_THREADS: '1' } });
  assert.equal(child.signal, null, `the fuzz process died by ${child.signal}:\n${child.stderr.slice(-2000)}`);
  assert.equal(child.status, 0, `the fuzz process failed:\n${child.stderr.slice(-2000)}`);
  assert.doesNotMatch(child.stderr, /terminate called|Aborted|Segmentation/);
  const summary = JSON.parse(child.stdout.trim().split('\n').pop()!) as {
    operators: number; calls: number; returned: number; errors: Record<string, number>; nonErrors: string[];
  };
  assert.deepEqual(summary.nonErrors, [], 'everything thrown is an Error');
  assert.ok(summary.operators >= 100, `fuzzed ${summary.operators} operators`);
  assert.equal(summary.calls, summary.operators * callsPerOp);
  assert.ok(summary.errors.TorchError > 100 && summary.errors.TypeError > 100, `libtorch and argument errors both seen: ${JSON.stringify(summary)}`);
  assert.ok(summary.returned > 100, 'some random calls are valid and return');
}
