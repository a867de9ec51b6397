#!/usr/bin/env node
// Runs a test tier from dist/test: `unit` (everything but test/e2e), `e2e` (test/e2e: whole commands, services,
// processes, fault injection) or `all`. Only *.test.js files are tests; helpers beside them are not run, nor are
// compiled files whose test/**/*.test.ts source is gone (a test moved or deleted since the last `rm -rf dist`).
// Unit files run two at a time (or one per core where there are more): many of them wait on a python3 reference
// or a child process. e2e files run one at a time: they start services, time processes and kill them.
// Extra arguments go to `node --test` after ours, so `--test-concurrency=1` overrides the default.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, relative, sep } from 'node:path';

const tier = process.argv[2] ?? 'all';
if (!['unit', 'e2e', 'all'].includes(tier)) {
  console.error(`run-tests: unknown tier '${tier}' (use unit, e2e or all)`);
  process.exit(2);
}
const root = 'dist/test';
const compiled = readdirSync(root, { recursive: true })
  .map(String)
  .filter((file) => file.endsWith('.test.js'))
  .filter((file) => {
    const isE2e = file.split(sep)[0] === 'e2e';
    return tier === 'all' || (tier === 'e2e') === isE2e;
  })
  .sort();
const stale = compiled.filter((file) => !existsSync(join('test', file.replace(/\.js$/, '.ts'))));
if (stale.length > 0) console.log(`run-tests: skipping ${stale.length} compiled tests with no source: ${stale.join(' ')}`);
const files = compiled.filter((file) => !stale.includes(file)).map((file) => join(root, file));
if (files.length === 0) {
  console.error(`run-tests: no ${tier} tests under ${root} (run tsc first)`);
  process.exit(1);
}
const concurrency = tier === 'unit' ? Math.max(2, availableParallelism()) : 1;
console.log(`run-tests: ${tier} tier, ${files.length} files, ${concurrency} at a time: ${files.map((f) => relative(root, f)).join(' ')}`);
const result = spawnSync(process.execPath, ['--test', `--test-concurrency=${concurrency}`, ...process.argv.slice(3), ...files], {
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
