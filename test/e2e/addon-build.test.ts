// The addon's one build recipe, as the GPU check uses it: scripts/build-addon.sh (node-gyp through binding.gyp
// and native/locate-libtorch.cjs) into a scratch directory, here against Debian's libtorch. The addon it makes
// loads and computes (through the TypeScript API, SKETCHPRUNE_ADDON pointing at it); the link refuses undefined
// symbols, so a binding.gyp that leaves a source out fails the build instead of the load.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'sketchprune-addon-build-'));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

test('scripts/build-addon.sh builds a loadable addon through binding.gyp; leaving a source out fails at link time', { timeout: 600_000 }, () => {
  const built = spawnSync('bash', [path.join(repo, 'scripts', 'build-addon.sh'), '--out', scratch], { encoding: 'utf8', env: { ...process.env, LIBTORCH: '' } });
  assert.equal(built.status, 0, built.stdout + built.stderr);
  const addon = built.stdout.trim().split('\n').pop()!;
  assert.equal(addon, path.join(fs.realpathSync(scratch), 'build', 'Release', 'sketchprune_native.node'));
  assert.match(built.stdout, /"cuda":false/);
  // linked with --no-undefined: the flag is in the link command node-gyp generated from binding.gyp
  const makefile = fs.readFileSync(path.join(scratch, 'build', 'sketchprune_native.target.mk'), 'utf8');
  assert.match(makefile, /-Wl,--no-undefined/);
  assert.match(makefile, /native\/selection\.cc|selection\.o/);

  // The fresh build computes, through the TypeScript API (a matmul and an autograd gradient, checked here).
  const script = `import('${path.join(repo, 'dist', 'src', 'torch', 'index.js')}').then((T) => {
    const a = T.tensor([1, 2, 3, 4], [2, 2]); const w = T.tensor([0.5, -1, 2, 0.25], [2, 2]).requiresGrad_(true);
    const y = a.matmul(w); const [g] = T.grad(y.sum(), [w]);
    console.log(JSON.stringify({ y: y.toArray(), g: g.toArray(), info: T.buildInfo() }));
  })`;
  const ran = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, SKETCHPRUNE_ADDON: addon } });
  assert.equal(ran.status, 0, ran.stderr);
  const out = JSON.parse(ran.stdout.trim().split('\n').pop()!);
  assert.deepEqual(out.y, [1 * 0.5 + 2 * 2, 1 * -1 + 2 * 0.25, 3 * 0.5 + 4 * 2, 3 * -1 + 4 * 0.25]);
  assert.deepEqual(out.g, [1 + 3, 1 + 3, 2 + 4, 2 + 4]); // d(sum(a w))/dw[k][j] = sum_i a[i][k]
  assert.equal(out.info.cudaAvailable, false);
  // a wrong SKETCHPRUNE_ADDON is named
  const missing = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, SKETCHPRUNE_ADDON: path.join(scratch, 'nope.node') } });
  assert.notEqual(missing.status, 0);
  assert.match(missing.stderr, /SKETCHPRUNE_ADDON=.*nope\.node: no such file/);

  // The same build without native/selection.cc (the old hand-written compile lines' mistake): the objects are
  // up to date, so only the link runs, and it fails naming the symbol instead of producing an addon that dies
  // on load.
  const gyp = path.join(scratch, 'binding.gyp');
  fs.writeFileSync(gyp, fs.readFileSync(gyp, 'utf8').replace(', "native/selection.cc"', ''));
  assert.doesNotMatch(fs.readFileSync(gyp, 'utf8'), /selection\.cc/);
  fs.rmSync(addon);
  const nodeGyp = ['/usr/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js', '/usr/share/nodejs/node-gyp/bin/node-gyp.js'].find((file) => fs.existsSync(file))!;
  const broken = spawnSync(process.execPath, [nodeGyp, 'configure', 'build', '--nodedir', '/usr'], { cwd: scratch, encoding: 'utf8', env: { ...process.env, LIBTORCH: '' } });
  assert.notEqual(broken.status, 0);
  assert.match(broken.stdout + broken.stderr, /undefined reference to `sketchprune::registerSelection/);
  assert.equal(fs.existsSync(addon), false);
});
