#!/usr/bin/env node
// Runs a test tier from dist/test: `unit` (everything but test/e2e), `e2e` (test/e2e: services, processes,
// fault injection) or `all`. Only *.test.js files are tests; helpers beside them are not run.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

const tier = process.argv[2] ?? 'all';
if (!['unit', 'e2e', 'all'].includes(tier)) {
  console.error(`run-tests: unknown tier '${tier}' (use unit, e2e or all)`);
  process.exit(2);
}
const root = 'dist/test';
const files = readdirSync(root, { recursive: true })
  .map(String)
  .filter((file) => file.endsWith('.test.js'))
  .filter((file) => {
    const isE2e = file.split(sep)[0] === 'e2e';
    return tier === 'all' || (tier === 'e2e') === isE2e;
  })
  .sort()
  .map((file) => join(root, file));
if (files.length === 0) {
  console.error(`run-tests: no ${tier} tests under ${root} (run tsc first)`);
  process.exit(1);
}
console.log(`run-tests: ${tier} tier, ${files.length} files: ${files.map((f) => relative(root, f)).join(' ')}`);
const result = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...process.argv.slice(3), ...files], {
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
