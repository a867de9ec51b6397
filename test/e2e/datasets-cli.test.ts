import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { removeDir, tempDir, writeCifar10Dir, writeIdx, writeMnistDir } from '../data/fixtures.js';

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'bin', 'sketchprune.js');
const root = tempDir();
after(() => removeDir(root));

function cli(args: string[], env: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) =>
    !/^(SKETCHPRUNE_DATA|SKETCHPRUNE_CACHE|FASHION_MNIST_DIR|MNIST_DIR|CIFAR10_DIR|CIFAR100_DIR|TINY_IMAGENET_DIR)$/.test(name)));
  const result = spawnSync(process.execPath, [bin, 'datasets', ...args], { env: { ...clean, SKETCHPRUNE_CACHE: path.join(root, 'cache'), ...env }, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** An MNIST directory whose headers and sizes match the release (all-zero pixels compress to little). */
function fullSizeMnist(dir: string): void {
  writeMnistDir(dir, { train: 1, test: 1 });
  for (const [prefix, n] of [['train', 60000], ['t10k', 10000]] as const) {
    writeIdx(path.join(dir, `${prefix}-images-idx3-ubyte.gz`), [n, 28, 28], new Uint8Array(n * 784), { gzip: true });
    writeIdx(path.join(dir, `${prefix}-labels-idx1-ubyte.gz`), [n], new Uint8Array(n), { gzip: true });
  }
}

test('lists found datasets with counts and places, flags incomplete ones, exits 1 when one is damaged', () => {
  const data = path.join(root, 'data');
  fullSizeMnist(path.join(data, 'mnist'));
  writeCifar10Dir(path.join(data, 'cifar-10-batches-bin'), 2);
  const fashion = path.join(root, 'fashion');
  writeMnistDir(fashion, { train: 12, test: 5 });
  const result = cli([], { SKETCHPRUNE_DATA: data, FASHION_MNIST_DIR: fashion, CIFAR100_DIR: path.join(root, 'nowhere') });
  assert.equal(result.status, 1, result.stderr);
  const line = (name: string) => result.stdout.split('\n').find((row) => row.startsWith(name + ' ')) ?? '';
  assert.match(line('mnist'), new RegExp(`^mnist\\s+yes\\s+60,000\\s+10,000\\s+1×28×28\\s+10\\s+${path.join(data, 'mnist')} \\(SKETCHPRUNE_DATA\\)$`));
  assert.match(line('fashion-mnist'), new RegExp(`damaged\\s+12\\s+5\\s+.*${fashion} \\(FASHION_MNIST_DIR\\)`));
  assert.match(line('cifar10'), /damaged\s+10\s+2\s+3×32×32\s+10/);
  assert.match(line('cifar100'), /missing .*nowhere \(CIFAR100_DIR\)/);
  assert.match(line('tiny-imagenet'), /no\s+-\s+-\s+3×64×64\s+200\s+not found: set TINY_IMAGENET_DIR/);
  assert.match(result.stdout, /fashion-mnist: train split has 12 examples, the release has 60,000/);
  assert.match(result.stdout, /cifar100: .*nowhere \(from CIFAR100_DIR\): directory does not exist/);
});

test('--json, --dir and --stats; only complete datasets give exit status 0', () => {
  const mnist = path.join(root, 'only-mnist');
  fullSizeMnist(mnist);
  const result = cli(['--json', '--stats', '--dir', `mnist=${mnist}`], {});
  assert.equal(result.status, 0, result.stderr);
  const listing = JSON.parse(result.stdout) as Array<{ name: string; status: string; counts: { train?: number }; stats?: { mean: number[]; std: number[] } }>;
  const entry = listing.find((item) => item.name === 'mnist')!;
  assert.equal(entry.status, 'found');
  assert.equal(entry.counts.train, 60000);
  assert.deepEqual(entry.stats, { mean: [0], std: [0] });
});

test('--help explains the search order; bad arguments exit 2 with the reason', () => {
  const help = cli(['--help'], {});
  assert.equal(help.status, 0);
  assert.match(help.stdout, /FASHION_MNIST_DIR, MNIST_DIR, CIFAR10_DIR, CIFAR100_DIR, TINY_IMAGENET_DIR/);
  assert.match(help.stdout, /SKETCHPRUNE_DATA/);
  const badDir = cli(['--dir', 'mnist'], {});
  assert.equal(badDir.status, 2);
  assert.match(badDir.stderr, /--dir expects <name>=<path>, got 'mnist'/);
  const unknown = cli(['--dir', 'imagenet=/tmp'], {});
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown dataset 'imagenet' in --dir; known: fashion-mnist, mnist, cifar10, cifar100, tiny-imagenet/);
  const flag = cli(['--colour'], {});
  assert.equal(flag.status, 2);
  assert.match(flag.stderr, /Unknown option '--colour'/);
});
