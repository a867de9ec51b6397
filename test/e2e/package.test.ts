// The npm package: `npm pack` (its prepare script builds dist/src) gives a tarball with the public files only;
// installing it where libtorch is missing fails with one line saying what to install or set; installed with the
// addon in place, `npx sketchprune info` runs and only the public entry points resolve.
//
// The install compiles the addon with node-gyp (1-4 minutes on 2 cores), so by default the second install skips
// scripts and copies this checkout's addon, built from the same native/ sources, into the installed package.
// SKETCHPRUNE_PACKAGE_TEST_BUILD=1 makes it a real install that compiles the addon.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'sketchprune-package-'));
after(() => fs.rmSync(work, { recursive: true, force: true }));
const fullBuild = process.env.SKETCHPRUNE_PACKAGE_TEST_BUILD === '1';

function run(command: string, args: string[], cwd: string, env: Record<string, string> = {}) {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 600_000 });
  return { status: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
}

function project(name: string): string {
  const dir = path.join(work, name);
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', private: true }));
  return dir;
}

test('npm pack, install without libtorch, install and run', { timeout: 900_000 }, () => {
  const packed = run('npm', ['pack', '--pack-destination', work, '--json'], root);
  assert.equal(packed.status, 0, packed.stderr);
  const [{ filename }] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as { filename: string }[];
  const tarball = path.join(work, filename);

  const files = run('tar', ['-tzf', tarball], work).stdout.trim().split('\n').map((file) => file.replace(/^package\//, ''));
  for (const wanted of ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'bin/sketchprune.js', 'binding.gyp',
    'dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/cli/main.js', 'native/jit.cc', 'native/common.h',
    'native/locate-libtorch.cjs', 'native/check-libtorch.cjs', 'python/apply_masks.py', 'python/models.py', 'presets/demo.yaml']) {
    assert.ok(files.includes(wanted), `the package lacks ${wanted}`);
  }
  const unwanted = files.filter((file) => /^(test|bench|docs|scripts|build|\.ci|src)\/|^dist\/(test|bench)\/|\.map$|\.tsbuildinfo$/.test(file));
  assert.deepEqual(unwanted, [], 'tests, benches, internal docs, sources and builds stay out of the package');
  const manifest = JSON.parse(run('tar', ['-xzOf', tarball, 'package/package.json'], work).stdout) as
    { exports: Record<string, unknown>; types: string };
  assert.deepEqual(Object.keys(manifest.exports), ['.', './package.json']);
  assert.ok(files.includes(manifest.types));

  // No libtorch: the install stops before compiling, with one line that says what to install or set.
  const missing = run('npm', ['install', tarball, '--no-audit', '--no-fund', '--prefer-offline'], project('missing'),
    { LIBTORCH: path.join(work, 'no-libtorch-here') });
  assert.notEqual(missing.status, 0);
  const lines = missing.stderr.split('\n').filter((line) => line.includes('sketchprune:'));
  assert.equal(lines.length, 1, missing.stderr);
  assert.match(lines[0], /sketchprune: cannot build the native addon: LIBTORCH=.*no-libtorch-here: no include\/ATen\/ATen\.h there; point LIBTORCH at an unpacked libtorch/);
  assert.doesNotMatch(missing.stderr, /gyp (info|ERR)|g\+\+|\.cc:\d+/, 'node-gyp and the compiler never ran');

  // Installed: the addon is built (or, by default, this checkout's copy of it is put in place), the CLI runs.
  const app = project('app');
  const installed = run('npm', ['install', tarball, '--no-audit', '--no-fund', '--prefer-offline', ...(fullBuild ? [] : ['--ignore-scripts'])], app);
  assert.equal(installed.status, 0, installed.stderr);
  const addon = path.join(app, 'node_modules', 'sketchprune', 'build', 'Release', 'sketchprune_native.node');
  if (!fullBuild) {
    fs.mkdirSync(path.dirname(addon), { recursive: true });
    fs.copyFileSync(path.join(root, 'build', 'Release', 'sketchprune_native.node'), addon);
  }
  assert.ok(fs.existsSync(addon));
  const info = run('npx', ['--no-install', 'sketchprune', 'info'], app);
  assert.equal(info.status, 0, info.stderr);
  assert.match(info.stdout, /^libtorch \d+\.\d+\.\d+; threads \d+; CUDA (no|yes)/);
  const script = [
    "import * as sketchprune from 'sketchprune';",
    'console.log(JSON.stringify({ namespaces: Object.keys(sketchprune).sort(), prune: typeof sketchprune.pruning.prune,',
    '  torchscript: typeof sketchprune.nn.TorchScriptModule }));',
    "await import('sketchprune/dist/src/torch/index.js').then(() => console.log('deep import resolved'), (error) => console.log(error.code));",
  ].join('\n');
  const api = run(process.execPath, ['--input-type=module', '-e', script], app);
  assert.equal(api.status, 0, api.stderr);
  const [summary, deep] = api.stdout.trim().split('\n');
  assert.deepEqual(JSON.parse(summary), {
    namespaces: ['data', 'distributed', 'experiments', 'nn', 'optim', 'pruning', 'report', 'sketch', 'torch', 'train'],
    prune: 'function', torchscript: 'function',
  });
  assert.equal(deep, 'ERR_PACKAGE_PATH_NOT_EXPORTED');
});
