#!/usr/bin/env node
// Runs a test tier from dist/test: `unit` (everything but test/e2e), `e2e` (test/e2e: whole commands, services,
// processes, fault injection) or `all` (unit, then e2e). Only *.test.js files are tests; helpers beside them are
// not run, nor are compiled files whose test/**/*.test.ts source is gone (moved or deleted since dist was built).
// Unit files run two at a time (or one per core where there are more), each with its share of the torch threads:
// many of them wait on a python3 reference or a child process. e2e files run one at a time with every core: they
// start services, time processes and kill them. Extra arguments go to `node --test` after ours, so
// `--test-concurrency=1` overrides the default; SKETCHPRUNE_THREADS or OMP_NUM_THREADS set by the caller are kept.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, sep } from 'node:path';

const tier = process.argv[2] ?? 'all';
if (!['unit', 'e2e', 'all'].includes(tier)) {
  console.error(`run-tests: unknown tier '${tier}' (use unit, e2e or all)`);
  process.exit(2);
}
const root = 'dist/test';
const compiled = readdirSync(root, { recursive: true }).map(String).filter((file) => file.endsWith('.test.js')).sort();
const stale = compiled.filter((file) => !existsSync(join('test', file.replace(/\.js$/, '.ts'))));
if (stale.length > 0) console.log(`run-tests: skipping ${stale.length} compiled tests with no source: ${stale.join(' ')}`);

/** Runs one tier's files with node --test; returns its exit status. */
function run(name) {
  const files = compiled
    .filter((file) => !stale.includes(file) && (file.split(sep)[0] === 'e2e') === (name === 'e2e'))
    .map((file) => join(root, file));
  if (files.length === 0) {
    console.error(`run-tests: no ${name} tests under ${root} (run tsc first)`);
    return 1;
  }
  const concurrency = name === 'unit' ? Math.max(2, availableParallelism()) : 1;
  // Files running side by side share the cores: each gets its share of torch threads, so that libtorch's and
  // OpenBLAS's pools do not oversubscribe the machine and spin.
  const env = { ...process.env };
  if (concurrency > 1 && !env.SKETCHPRUNE_THREADS && !env.OMP_NUM_THREADS) {
    env.SKETCHPRUNE_THREADS = String(Math.max(1, Math.floor(availableParallelism() / concurrency)));
  }
  const threads = env.SKETCHPRUNE_THREADS ? `, SKETCHPRUNE_THREADS=${env.SKETCHPRUNE_THREADS}` : '';
  console.log(`run-tests: ${name} tier, ${files.length} files, ${concurrency} at a time${threads}: ` +
    files.map((file) => file.slice(root.length + 1)).join(' '));
  const result = spawnSync(process.execPath, ['--test', `--test-concurrency=${concurrency}`, ...process.argv.slice(3), ...files], {
    stdio: 'inherit', env,
  });
  return result.status ?? 1;
}

const statuses = (tier === 'all' ? ['unit', 'e2e'] : [tier]).map(run);
process.exit(statuses.find((status) => status !== 0) ?? 0);
