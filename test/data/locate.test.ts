import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cacheDir, locateDataset, requireDataset, type LocateRule } from '../../src/data/locate.js';
import { getDataset, loadDataset } from '../../src/data/registry.js';
import { removeDir, tempDir } from './fixtures.js';

const root = tempDir();
after(() => removeDir(root));

function makeDataset(dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'marker'), '');
  return dir;
}

const rule: LocateRule = {
  name: 'toy', envVar: 'TOY_DIR', folders: ['toy', 'toy-data'], defaults: [path.join(root, 'default-toy')],
  looksLikeDataset: (dir) => fs.existsSync(path.join(dir, 'marker')),
};

test('the explicit directory wins, then the dataset variable, then SKETCHPRUNE_DATA folders, then defaults', () => {
  const option = makeDataset(path.join(root, 'option'));
  const variable = makeDataset(path.join(root, 'variable'));
  const data = path.join(root, 'data');
  const second = makeDataset(path.join(data, 'toy-data'));
  const fallback = makeDataset(path.join(root, 'default-toy'));
  const env = { TOY_DIR: variable, SKETCHPRUNE_DATA: data };
  assert.deepEqual(locateDataset(rule, { dir: option, env }), { dir: option, via: 'option' });
  assert.deepEqual(locateDataset(rule, { env }), { dir: variable, via: 'TOY_DIR' });
  // the first folder under SKETCHPRUNE_DATA is absent, so the second one is used
  assert.deepEqual(locateDataset(rule, { env: { SKETCHPRUNE_DATA: data } }), { dir: second, via: 'SKETCHPRUNE_DATA' });
  // an existing root without the dataset falls back to the standard places
  fs.mkdirSync(path.join(root, 'empty-root'), { recursive: true });
  assert.deepEqual(locateDataset(rule, { env: { SKETCHPRUNE_DATA: path.join(root, 'empty-root') } }), { dir: fallback, via: 'default' });
});

test('an explicit directory is not second-guessed: a wrong one is an error, not a fallback to another copy', () => {
  makeDataset(path.join(root, 'default-toy'));
  const wrong = path.join(root, 'typo');
  assert.deepEqual(locateDataset(rule, { env: { TOY_DIR: wrong } }), { dir: wrong, via: 'TOY_DIR' });
  assert.throws(() => requireDataset(rule, { env: { TOY_DIR: wrong } }), new RegExp(`toy: directory ${wrong} \\(from TOY_DIR\\) does not exist`));
});

test('a dataset found nowhere gives an error listing the places searched and what to set', () => {
  const lonely: LocateRule = { ...rule, defaults: ['/nonexistent/toy'] };
  const emptyRoot = path.join(root, 'empty-root-2');
  fs.mkdirSync(emptyRoot, { recursive: true });
  assert.throws(() => requireDataset(lonely, { env: { SKETCHPRUNE_DATA: emptyRoot } }),
    new RegExp(`toy: dataset not found; searched ${emptyRoot}/toy \\(SKETCHPRUNE_DATA\\), ${emptyRoot}/toy-data \\(SKETCHPRUNE_DATA\\), /nonexistent/toy \\(default\\)\\. Set TOY_DIR=<dir> or SKETCHPRUNE_DATA=<root> \\(with <root>/toy\\)`));
  // A data root that does not exist is an error, not a silent fallback to the standard places.
  assert.throws(() => locateDataset(rule, { env: { SKETCHPRUNE_DATA: '/nonexistent/root' } }),
    /^Error: toy: SKETCHPRUNE_DATA=\/nonexistent\/root is not a directory; fix or unset it$/);
  // (the standard places are left out so that the test holds on machines that have CIFAR-10 installed)
  assert.throws(() => requireDataset({ ...getDataset('cifar10').locate, defaults: [] }, { env: {} }),
    /cifar10: dataset not found; searched nowhere\. Set CIFAR10_DIR=<dir> or SKETCHPRUNE_DATA=<root> \(with <root>\/cifar-10-batches-bin\)/);
});

test('registry: every dataset has its shape, classes and variable; unknown names and splits are refused', () => {
  const expected: Record<string, [number[], number, string]> = {
    'fashion-mnist': [[1, 28, 28], 10, 'FASHION_MNIST_DIR'], mnist: [[1, 28, 28], 10, 'MNIST_DIR'],
    cifar10: [[3, 32, 32], 10, 'CIFAR10_DIR'], cifar100: [[3, 32, 32], 100, 'CIFAR100_DIR'],
    'tiny-imagenet': [[3, 64, 64], 200, 'TINY_IMAGENET_DIR'],
  };
  for (const [name, [shape, classes, variable]] of Object.entries(expected)) {
    const entry = getDataset(name);
    assert.deepEqual([entry.inputShape, entry.numClasses, entry.locate.envVar], [shape, classes, variable]);
  }
  assert.throws(() => getDataset('imagenet'), /unknown dataset 'imagenet'; known datasets: fashion-mnist, mnist, cifar10, cifar100, tiny-imagenet/);
  const dir = makeDataset(path.join(root, 'split'));
  assert.throws(() => loadDataset('mnist', 'valid' as never, { dir, env: {} }), /unknown split 'valid'; expected train or test/);
});

test('cache directory: SKETCHPRUNE_CACHE, then XDG_CACHE_HOME/sketchprune, then ~/.cache/sketchprune', () => {
  assert.equal(cacheDir({ SKETCHPRUNE_CACHE: '/tmp/c', XDG_CACHE_HOME: '/tmp/x' }), '/tmp/c');
  assert.equal(cacheDir({ XDG_CACHE_HOME: '/tmp/x' }), '/tmp/x/sketchprune');
  assert.equal(cacheDir({}), path.join(os.homedir(), '.cache', 'sketchprune'));
});
