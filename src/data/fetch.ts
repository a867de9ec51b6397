// `datasets fetch`: downloads (or copies) a dataset's standard archive, verifies its checksum and unpacks it into
// the folder that the dataset registry looks for, under a data root (SKETCHPRUNE_DATA, else the user data dir).
//
// Checksums: the standard archives are pinned by the MD5 their publishers give (the CIFAR page for the binary
// CIFAR archives; torchvision's resource lists for MNIST, Fashion-MNIST and Tiny-ImageNet). SHA-256 digests of the
// originals are not pinned here (none was verified for this code), so `--sha256 HEX` pins any archive by SHA-256
// instead: then the published MD5 is not required (a mirror's repackaging, or a locally made archive).
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ensureDirectory } from '../foundations/directories.js';
import { userDataDir } from './locate.js';

export interface FetchFile {
  /** File name in the release (also the name it is saved under). */
  name: string;
  /** MD5 published for the standard file. */
  md5: string;
}

export interface FetchSpec {
  dataset: string;
  /** 'archive': one tar.gz/zip holding `folder`; 'files': loose files copied into `folder`. */
  kind: 'archive' | 'files';
  files: FetchFile[];
  /** Where the standard files come from when no --from is given (an archive URL, or a base URL for loose files). */
  url: string;
  /** The folder the archive unpacks to, and the one the registry looks for under a data root. */
  folder: string;
  /** A file that must exist in the folder after unpacking. */
  marker: string;
}

export const fetchSpecs: readonly FetchSpec[] = [
  {
    dataset: 'cifar10', kind: 'archive', files: [{ name: 'cifar-10-binary.tar.gz', md5: 'c32a1d4ab5d03f1284b67883e8d87530' }],
    url: 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz', folder: 'cifar-10-batches-bin', marker: 'test_batch.bin',
  },
  {
    dataset: 'cifar100', kind: 'archive', files: [{ name: 'cifar-100-binary.tar.gz', md5: '03b5dce01913d631647c71ecec9e9cb8' }],
    url: 'https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz', folder: 'cifar-100-binary', marker: 'test.bin',
  },
  {
    dataset: 'tiny-imagenet', kind: 'archive', files: [{ name: 'tiny-imagenet-200.zip', md5: '90528d7ca1a48142e341f4ef8d21d0de' }],
    url: 'http://cs231n.stanford.edu/tiny-imagenet-200.zip', folder: 'tiny-imagenet-200', marker: 'wnids.txt',
  },
  {
    dataset: 'mnist', kind: 'files', url: 'https://ossci-datasets.s3.amazonaws.com/mnist/', folder: 'mnist',
    marker: 't10k-images-idx3-ubyte.gz',
    files: [
      { name: 'train-images-idx3-ubyte.gz', md5: 'f68b3c2dcbeaaa9fbdd348bbdeb94873' },
      { name: 'train-labels-idx1-ubyte.gz', md5: 'd53e105ee54ea40749a09fcbcd1e9432' },
      { name: 't10k-images-idx3-ubyte.gz', md5: '9fb629c4189551a2d022fa330f9573f3' },
      { name: 't10k-labels-idx1-ubyte.gz', md5: 'ec29112dd5afa0611ce80d1b7f02629c' },
    ],
  },
  {
    dataset: 'fashion-mnist', kind: 'files', url: 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/',
    folder: 'fashion-mnist', marker: 't10k-images-idx3-ubyte.gz',
    files: [
      { name: 'train-images-idx3-ubyte.gz', md5: '8d4fb7e6c68d591d4c3dfef9ec88bf0d' },
      { name: 'train-labels-idx1-ubyte.gz', md5: '25c81989df183df01b3e8a0aad5dffbe' },
      { name: 't10k-images-idx3-ubyte.gz', md5: 'bef4ecab320f06d8554ea6380940ec79' },
      { name: 't10k-labels-idx1-ubyte.gz', md5: 'bb300cfdad3c16e7a12a480ee83cd310' },
    ],
  },
];

export function getFetchSpec(dataset: string): FetchSpec {
  const spec = fetchSpecs.find((candidate) => candidate.dataset === dataset);
  if (!spec) throw new TypeError(`no fetcher for '${dataset}'; known: ${fetchSpecs.map((entry) => entry.dataset).join(', ')}`);
  return spec;
}

export interface FetchOptions {
  /** A URL (http/https) or a local path: the archive itself, or for loose files a base URL or a directory. */
  from?: string;
  /** Data root to unpack under (default SKETCHPRUNE_DATA, else the user data dir). */
  to?: string;
  /** SHA-256 the archive must have (replaces the published MD5 check); archives only. */
  sha256?: string;
  /** Replace an existing dataset folder. */
  force?: boolean;
  log?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
}

export interface FetchResult { dir: string; files: { name: string; bytes: number; md5: string; sha256: string }[] }

/** The data root `fetch` writes to by default: SKETCHPRUNE_DATA, else the user data dir. */
export function defaultDataRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SKETCHPRUNE_DATA) return path.resolve(env.SKETCHPRUNE_DATA);
  const user = userDataDir(env);
  if (!user) throw new Error('no data root: set SKETCHPRUNE_DATA=<dir> or pass --to <dir>');
  return user;
}

const isUrl = (text: string): boolean => /^https?:\/\//i.test(text);

/** Fetches, verifies and unpacks a dataset; returns the dataset folder. Nothing lands in place unless verified. */
export async function fetchDataset(dataset: string, options: FetchOptions = {}): Promise<FetchResult> {
  const spec = getFetchSpec(dataset);
  const log = options.log ?? (() => {});
  const sha256 = options.sha256?.toLowerCase();
  if (sha256 !== undefined && !/^[0-9a-f]{64}$/.test(sha256)) {
    throw new RangeError(`--sha256 must be 64 hexadecimal digits, got '${options.sha256}'`);
  }
  if (sha256 !== undefined && spec.kind !== 'archive') {
    throw new TypeError(`--sha256 pins one archive; ${dataset} comes as ${spec.files.length} files, each checked by its published MD5`);
  }
  const root = path.resolve(options.to ?? defaultDataRoot(options.env));
  const target = path.join(root, spec.folder);
  if (fs.existsSync(target) && !options.force) {
    throw new Error(`${target} already exists; pass --force to replace it`);
  }
  ensureDirectory(root);
  const work = fs.mkdtempSync(path.join(root, `.fetch-${dataset}-`));
  try {
    const downloads = path.join(work, 'download');
    fs.mkdirSync(downloads);
    const files: FetchResult['files'] = [];
    for (const file of spec.files) {
      const source = sourceFor(spec, file, options.from);
      const local = path.join(downloads, file.name);
      log(`${dataset}: ${isUrl(source) ? 'downloading' : 'copying'} ${source}`);
      const digest = await obtain(source, local, log);
      if (sha256 !== undefined) {
        if (digest.sha256 !== sha256) {
          throw new Error(`${source}: SHA-256 ${digest.sha256} does not match --sha256 ${sha256}; nothing was unpacked`);
        }
        log(`${dataset}: SHA-256 ${digest.sha256} matches --sha256`);
      } else if (digest.md5 !== file.md5) {
        throw new Error(`${source}: MD5 ${digest.md5} is not the published MD5 ${file.md5} of ${file.name} (a damaged ` +
          `or different file; if you trust it, pin it with --sha256 ${digest.sha256}); nothing was unpacked`);
      } else {
        log(`${dataset}: MD5 ${digest.md5} matches the published ${file.name}`);
      }
      files.push({ name: file.name, ...digest });
    }
    const unpacked = path.join(work, 'unpacked');
    fs.mkdirSync(unpacked);
    if (spec.kind === 'archive') {
      log(`${dataset}: unpacking ${spec.files[0].name}`);
      unpack(path.join(downloads, spec.files[0].name), unpacked);
    } else {
      fs.mkdirSync(path.join(unpacked, spec.folder));
      for (const file of spec.files) fs.renameSync(path.join(downloads, file.name), path.join(unpacked, spec.folder, file.name));
    }
    const folder = path.join(unpacked, spec.folder);
    if (!fs.existsSync(path.join(folder, spec.marker))) {
      const found = fs.readdirSync(unpacked).join(', ') || 'nothing';
      throw new Error(`${spec.files[0].name} did not unpack to ${spec.folder}/${spec.marker} (it holds: ${found}); not a ${dataset} archive`);
    }
    if (fs.existsSync(target)) fs.rmSync(target, { recursive: true, force: true });
    fs.renameSync(folder, target);
    log(`${dataset}: ready in ${target}`);
    return { dir: target, files };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

function sourceFor(spec: FetchSpec, file: FetchFile, from: string | undefined): string {
  const base = from ?? spec.url;
  if (spec.kind === 'archive') return base;
  if (isUrl(base)) return `${base.replace(/\/?$/, '/')}${file.name}`;
  return path.join(base, file.name);
}

/** Copies or downloads `source` to `file`, hashing on the way. */
async function obtain(source: string, file: string, log: (line: string) => void): Promise<{ bytes: number; md5: string; sha256: string }> {
  const md5 = crypto.createHash('md5');
  const sha = crypto.createHash('sha256');
  let bytes = 0;
  const out = fs.createWriteStream(file);
  const write = (chunk: Uint8Array) => new Promise<void>((resolve, reject) => {
    md5.update(chunk);
    sha.update(chunk);
    bytes += chunk.length;
    out.write(chunk, (error) => (error ? reject(error) : resolve()));
  });
  try {
    if (isUrl(source)) {
      const response = await fetch(source);
      if (!response.ok || !response.body) throw new Error(`${source}: HTTP ${response.status} ${response.statusText}`);
      const total = Number(response.headers.get('content-length') ?? 0);
      let shown = 0;
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        await write(chunk);
        if (total > 0 && bytes - shown >= total / 10) {
          shown = bytes;
          log(`  ${(bytes / 2 ** 20).toFixed(0)} of ${(total / 2 ** 20).toFixed(0)} MiB`);
        }
      }
    } else {
      if (!fs.existsSync(source)) throw new Error(`${source} does not exist`);
      if (!fs.statSync(source).isFile()) throw new Error(`${source} is not a file`);
      for await (const chunk of fs.createReadStream(source)) await write(chunk as Buffer);
    }
  } finally {
    await new Promise<void>((resolve) => out.end(resolve));
  }
  return { bytes, md5: md5.digest('hex'), sha256: sha.digest('hex') };
}

/** Unpacks a .tar.gz/.tgz/.tar (GNU tar, which refuses members outside the directory) or a .zip (unzip). */
function unpack(archive: string, into: string): void {
  const magic = Buffer.alloc(4);
  const descriptor = fs.openSync(archive, 'r');
  try { fs.readSync(descriptor, magic, 0, 4, 0); } finally { fs.closeSync(descriptor); }
  const zip = magic.equals(Buffer.from([0x50, 0x4b, 0x03, 0x04]));
  const [command, args] = zip ? ['unzip', ['-q', archive, '-d', into]] : ['tar', ['-xf', archive, '-C', into, '--no-same-owner']];
  const result = spawnSync(command, args as string[], { encoding: 'utf8' });
  if (result.error) {
    throw new Error(`cannot run ${command} to unpack ${path.basename(archive)}: ${result.error.message}` +
      (command === 'unzip' ? ' (install it: apt-get install unzip)' : ''));
  }
  if (result.status !== 0) throw new Error(`${command} failed on ${path.basename(archive)}: ${result.stderr.trim() || `exit ${result.status}`}`);
}
