// `sketchprune datasets fetch`: a locally made CIFAR-10 archive (pinned by --sha256, since it is not the published
// file) is verified and unpacked where `datasets` looks; a wrong checksum, an unpublished archive without a pin,
// a wrong layout and an existing folder are refused with nothing unpacked; an HTTP source works the same.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { removeDir, tempDir, writeCifar10Dir } from '../data/fixtures.js';
import { fetchDataset } from '../../src/data/fetch.js';
import { loadDataset } from '../../src/data/index.js';

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'bin', 'sketchprune.js');
const root = tempDir();
after(() => removeDir(root));

function cli(args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) =>
    !/^(SKETCHPRUNE_DATA|SKETCHPRUNE_CACHE|FASHION_MNIST_DIR|MNIST_DIR|CIFAR10_DIR|CIFAR100_DIR|TINY_IMAGENET_DIR|XDG_DATA_HOME)$/.test(name)));
  const result = spawnSync(process.execPath, [bin, 'datasets', ...args],
    { env: { ...clean, SKETCHPRUNE_CACHE: path.join(root, 'cache'), HOME: path.join(root, 'home'), ...env }, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const sha256 = (file: string): string => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/** A tar.gz of a small CIFAR-10 folder (2 records per file) made with the system tar; returns it and its records. */
function makeArchive(name: string, folder = 'cifar-10-batches-bin') {
  const staging = path.join(root, `staging-${name}`);
  const records = writeCifar10Dir(path.join(staging, folder), 2);
  const archive = path.join(root, `${name}.tar.gz`);
  const made = spawnSync('tar', ['-czf', archive, '-C', staging, folder]);
  assert.equal(made.status, 0, String(made.stderr));
  return { archive, records };
}

test('a pinned local archive is verified and unpacked where `datasets` finds it, with the same records', () => {
  const { archive, records } = makeArchive('local');
  const data = path.join(root, 'data');
  const hash = sha256(archive);
  const run = cli(['fetch', 'cifar10', '--from', archive, '--to', data, '--sha256', hash.toUpperCase()]);
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, new RegExp(`SHA-256 ${hash} matches --sha256`));
  assert.match(run.stdout, new RegExp(`ready in ${path.join(data, 'cifar-10-batches-bin').replace(/[.]/g, '\\.')}`));
  assert.deepEqual(fs.readdirSync(data), ['cifar-10-batches-bin'], 'no temporary files are left behind');
  const listing = JSON.parse(cli(['--json'], { SKETCHPRUNE_DATA: data }).stdout) as
    { name: string; status: string; location: { dir: string; via: string }; counts: { train: number; test: number }; problems: string[] }[];
  const cifar = listing.find((entry) => entry.name === 'cifar10')!;
  assert.deepEqual(cifar.location, { dir: path.join(data, 'cifar-10-batches-bin'), via: 'SKETCHPRUNE_DATA' });
  assert.deepEqual(cifar.counts, { train: 10, test: 2 });
  // (flagged as smaller than the release, as any partial copy is)
  assert.deepEqual(cifar.problems, ['train split has 10 examples, the release has 50,000', 'test split has 2 examples, the release has 10,000']);
  const testSplit = loadDataset('cifar10', 'test', { dir: path.join(data, 'cifar-10-batches-bin'), allowSubset: true });
  assert.deepEqual(testSplit.labels.toArray(), Array.from(records.test.labels));
  testSplit.images.dispose(); testSplit.labels.dispose();

  // An existing folder is kept unless --force.
  const again = cli(['fetch', 'cifar10', '--from', archive, '--to', data, '--sha256', hash]);
  assert.equal(again.status, 1);
  assert.match(again.stderr, /cifar-10-batches-bin already exists; pass --force to replace it/);
  assert.equal(cli(['fetch', 'cifar10', '--from', archive, '--to', data, '--sha256', hash, '--force']).status, 0);

  // Without --to: SKETCHPRUNE_DATA, else the user data directory (which `datasets` also searches).
  const viaEnv = path.join(root, 'env-data');
  assert.equal(cli(['fetch', 'cifar10', '--from', archive, '--sha256', hash], { SKETCHPRUNE_DATA: viaEnv }).status, 0);
  assert.ok(fs.existsSync(path.join(viaEnv, 'cifar-10-batches-bin', 'test_batch.bin')));
  assert.equal(cli(['fetch', 'cifar10', '--from', archive, '--sha256', hash]).status, 0);
  const userDir = path.join(root, 'home', '.local', 'share', 'sketchprune', 'datasets', 'cifar-10-batches-bin');
  assert.ok(fs.existsSync(path.join(userDir, 'test_batch.bin')));
  const userListing = cli([]);
  assert.match(userListing.stdout, new RegExp(`^cifar10\\s+damaged\\s+10\\s+2\\s.*${userDir.replace(/[.]/g, '\\.')} \\(user data\\)$`, 'm'));
});

test('checksum failures unpack nothing: a wrong --sha256, and an archive that is not the published one', () => {
  const { archive } = makeArchive('unpublished');
  const data = path.join(root, 'refused');
  const wrong = cli(['fetch', 'cifar10', '--from', archive, '--to', data, '--sha256', '0'.repeat(64)]);
  assert.equal(wrong.status, 1);
  assert.match(wrong.stderr, new RegExp(`SHA-256 ${sha256(archive)} does not match --sha256 0{64}; nothing was unpacked`));
  // No pin: the published MD5 of cifar-10-binary.tar.gz is required, and the message says how to pin this file.
  const unpinned = cli(['fetch', 'cifar10', '--from', archive, '--to', data]);
  assert.equal(unpinned.status, 1);
  const md5 = crypto.createHash('md5').update(fs.readFileSync(archive)).digest('hex');
  assert.match(unpinned.stderr, new RegExp(`MD5 ${md5} is not the published MD5 c32a1d4ab5d03f1284b67883e8d87530 of cifar-10-binary\\.tar\\.gz.*--sha256 ${sha256(archive)}`));
  assert.deepEqual(fs.readdirSync(data), []);
  // MNIST comes as four files, each checked by its published MD5.
  const loose = path.join(root, 'loose');
  fs.mkdirSync(loose);
  for (const name of ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz']) {
    fs.writeFileSync(path.join(loose, name), 'not the real file');
  }
  const mnist = cli(['fetch', 'mnist', '--from', loose, '--to', data]);
  assert.equal(mnist.status, 1);
  assert.match(mnist.stderr, /train-images-idx3-ubyte\.gz: MD5 [0-9a-f]{32} is not the published MD5 f68b3c2dcbeaaa9fbdd348bbdeb94873/);
  assert.match(cli(['fetch', 'mnist', '--from', loose, '--to', data, '--sha256', '0'.repeat(64)]).stderr, /--sha256 pins one archive/);
  assert.deepEqual(fs.readdirSync(data), []);
});

test('an archive with the wrong layout and bad arguments are refused clearly', () => {
  const { archive } = makeArchive('layout', 'some-other-folder');
  const data = path.join(root, 'layout-data');
  const run = cli(['fetch', 'cifar10', '--from', archive, '--to', data, '--sha256', sha256(archive)]);
  assert.equal(run.status, 1);
  assert.match(run.stderr, /did not unpack to cifar-10-batches-bin\/test_batch\.bin \(it holds: some-other-folder\); not a cifar10 archive/);
  assert.deepEqual(fs.readdirSync(data), []);
  assert.match(cli(['fetch', 'cifar10', '--from', path.join(root, 'missing.tar.gz'), '--to', data, '--sha256', 'a'.repeat(64)]).stderr,
    /missing\.tar\.gz does not exist/);
  const unknown = cli(['fetch', 'imagenet']);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /name one dataset \(cifar10, cifar100, tiny-imagenet, mnist, fashion-mnist\), got 'imagenet'/);
  assert.equal(cli(['fetch', 'cifar10', '--sha256', 'xyz']).status, 2);
  assert.match(cli(['fetch', '--help']).stdout, /published MD5|publisher lists/);
});

test('an http:// source is downloaded, hashed and unpacked the same way', async () => {
  const { archive, records } = makeArchive('served');
  const server = http.createServer((request, response) => {
    if (request.url !== '/cifar-10-binary.tar.gz') { response.writeHead(404).end(); return; }
    response.writeHead(200, { 'content-length': fs.statSync(archive).size });
    fs.createReadStream(archive).pipe(response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  try {
    const data = path.join(root, 'http-data');
    const result = await fetchDataset('cifar10', { from: `http://127.0.0.1:${port}/cifar-10-binary.tar.gz`, to: data, sha256: sha256(archive) });
    assert.equal(result.files[0].bytes, fs.statSync(archive).size);
    const train = loadDataset('cifar10', 'train', { dir: result.dir, allowSubset: true });
    assert.deepEqual(train.labels.toArray(), records.train.flatMap((part) => Array.from(part.labels)));
    train.images.dispose(); train.labels.dispose();
    await assert.rejects(fetchDataset('cifar10', { from: `http://127.0.0.1:${port}/nope.tar.gz`, to: data, force: true }), /HTTP 404/);
  } finally {
    server.close();
  }
});
