// The report page in a real browser (headless Chromium): every image loads and every link resolves to an
// existing file, for relative and absolute report directories. Guards the bug where `report runs/demo` (default
// reports/demo) linked reports/demo/reports/demo/x.svg. A few seconds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CHROMIUM, assertPageWorks, checkPageInBrowser } from './browser.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const cli = path.join(root, 'bin', 'sketchprune.js');
const skip = CHROMIUM === undefined ? 'chromium not installed (scripts/setup.sh installs it)' : false;

/** Two methods × three densities × two seeds of made-up finished runs: enough for a table and a plot. */
function writeRuns(dir: string): void {
  for (const method of ['SynFlow', 'SynFlow + rand. mask']) {
    for (const density of [0.1, 0.05, 0.02]) {
      for (const seed of [0, 1]) {
        const name = `${method.replace(/\W+/g, '-')}-d${density}-s${seed}`;
        fs.mkdirSync(path.join(dir, name), { recursive: true });
        fs.writeFileSync(path.join(dir, name, 'config.json'), JSON.stringify({ name, model: 'lenet300', dataset: 'fashion-mnist', method, density, seed }));
        fs.writeFileSync(path.join(dir, name, 'result.json'), JSON.stringify({ testAccuracy: 0.8 + density + seed / 100, seconds: 1 }));
      }
    }
  }
}

const ONE_PIXEL_PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

function sketchprune(cwd: string, ...args: string[]): string {
  const run = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8', timeout: 120_000 });
  assert.equal(run.status, 0, `sketchprune ${args.join(' ')} in ${cwd}:\n${run.stdout}\n${run.stderr}`);
  return run.stdout;
}

test('report page in Chromium: default relative reports/<name>, relative --out, absolute --out', { skip }, () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'sp-browser-'));
  writeRuns(path.join(work, 'runs', 'demo'));

  // `sketchprune report runs/demo` from the directory holding runs/: the page lands in reports/demo.
  const stdout = sketchprune(work, 'report', 'runs/demo');
  assert.match(stdout, new RegExp(`report: ${path.join(work, 'reports', 'demo', 'index.html').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  assertPageWorks(path.join(work, 'reports', 'demo', 'index.html'));

  sketchprune(work, 'report', path.join(work, 'runs', 'demo'), '--out', 'nested/dir/rep');
  assertPageWorks(path.join(work, 'nested', 'dir', 'rep', 'index.html'));

  const absolute = path.join(work, 'elsewhere', 'report');
  sketchprune(path.join(work, 'runs'), 'report', 'demo', '--out', absolute);
  assertPageWorks(path.join(absolute, 'index.html'));
  fs.rmSync(work, { recursive: true, force: true });
});

test('the browser check itself fails on a broken image and a dangling link', { skip }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sp-browser-neg-'));
  fs.writeFileSync(path.join(dir, 'ok.png'), Buffer.from(ONE_PIXEL_PNG, 'base64'));
  fs.writeFileSync(path.join(dir, 'index.html'),
    '<!DOCTYPE html><html><body><img src="ok.png"><img src="reports/demo/missing.svg"><a href="ok.png">PNG</a><a href="gone.png">PNG</a></body></html>');
  const check = checkPageInBrowser(path.join(dir, 'index.html'));
  assert.deepEqual(check.images.map((i) => [path.basename(i.src), i.naturalWidth]), [['ok.png', 1], ['missing.svg', 0]]);
  assert.deepEqual(check.links.map((l) => [path.basename(l.href), l.naturalWidth]), [['ok.png', 1], ['gone.png', 0]]);
  assert.throws(() => assertPageWorks(path.join(dir, 'index.html')), /missing\.svg loaded in the browser/);
  fs.rmSync(dir, { recursive: true, force: true });
});
