// `sketchprune datasets`: which datasets are installed, where, and how many examples each split holds.
import type { DatasetAvailability } from '../data/index.js';
import { UsageError, exitCode, parseFlags } from './args.js';

const usage = `Usage: sketchprune datasets [--dir <name>=<path>]... [--stats] [--json]
       sketchprune datasets fetch <name> [--from URL-or-path] [--to ROOT] [--sha256 HEX] [--force]

Lists the datasets sketchprune reads (fashion-mnist, mnist, cifar10, cifar100, tiny-imagenet): whether each
is found, where, and the train/test example counts (from file headers and sizes; pixels are not read).

Where datasets are looked for, in order:
  1. --dir <name>=<path>            an explicit directory
  2. the dataset's own variable     FASHION_MNIST_DIR, MNIST_DIR, CIFAR10_DIR, CIFAR100_DIR, TINY_IMAGENET_DIR
  3. SKETCHPRUNE_DATA=<root>        <root>/fashion-mnist, <root>/mnist, <root>/cifar-10-batches-bin,
                                    <root>/cifar-100-binary, <root>/tiny-imagenet-200 (and similar names)
  4. the user data directory        $XDG_DATA_HOME/sketchprune/datasets or ~/.local/share/sketchprune/datasets
                                    (same folder names; where 'fetch' unpacks when SKETCHPRUNE_DATA is unset)
  5. standard places                /usr/share/datasets/<name> (Debian's dataset-fashion-mnist)

Options:
  --dir <name>=<path>  look for dataset <name> in <path> (repeatable)
  --stats              also print per-channel mean/std of each found train split (computed once, then
                       cached under SKETCHPRUNE_CACHE or ~/.cache/sketchprune)
  --json               print the listing as JSON
  -h, --help           show this help

sketchprune datasets fetch --help describes the fetcher.

Exit status: 0; 1 when a dataset is found but damaged or incomplete, or a given directory does not exist;
2 for bad arguments.`;

const fetchUsage = `Usage: sketchprune datasets fetch <name> [--from URL-or-path] [--to ROOT] [--sha256 HEX] [--force]

Gets a dataset's standard release, verifies it, and unpacks it where 'sketchprune datasets' looks:
ROOT/<folder>, with ROOT = --to, else SKETCHPRUNE_DATA, else the user data directory
(~/.local/share/sketchprune/datasets).

  cifar10        cifar-10-binary.tar.gz   -> cifar-10-batches-bin/
  cifar100       cifar-100-binary.tar.gz  -> cifar-100-binary/
  tiny-imagenet  tiny-imagenet-200.zip    -> tiny-imagenet-200/ (needs unzip)
  mnist, fashion-mnist  the four *-ubyte.gz files -> mnist/, fashion-mnist/ (read gzipped as they are)

Checks: each standard file must have the MD5 its publisher lists (the CIFAR page; torchvision's resource lists);
its SHA-256 is printed. --sha256 HEX pins an archive by SHA-256 instead (for a mirror's copy or your own archive).
A file that fails its check is not unpacked.

Options:
  --from SRC     the archive as a URL or a local file (default: the official URL); for mnist and fashion-mnist
                 a base URL or a directory holding the four files
  --to ROOT      data root to unpack under (default SKETCHPRUNE_DATA, else the user data directory)
  --sha256 HEX   the SHA-256 the archive must have (replaces the published MD5 check)
  --force        replace an existing dataset folder
  -h, --help     show this help`;

async function fetchCommand(argv: string[]): Promise<number> {
  try {
    const { values, positionals } = parseFlags({
      args: argv, allowPositionals: true, strict: true,
      options: {
        from: { type: 'string' }, to: { type: 'string' }, sha256: { type: 'string' }, force: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      console.log(fetchUsage);
      return 0;
    }
    const { fetchDataset, fetchSpecs } = await import('../data/fetch.js');
    const names = fetchSpecs.map((spec) => spec.dataset);
    if (positionals.length !== 1 || !names.includes(positionals[0])) {
      const got = positionals.length ? `'${positionals.join(' ')}'` : 'nothing';
      throw new UsageError(`name one dataset (${names.join(', ')}), got ${got}`);
    }
    const { from, to, sha256, force } = values;
    if (sha256 !== undefined && !/^[0-9a-fA-F]{64}$/.test(sha256)) {
      throw new UsageError(`--sha256 must be 64 hexadecimal digits, got '${sha256}'`);
    }
    const result = await fetchDataset(positionals[0], { from, to, sha256, force, log: (line) => console.log(line) });
    for (const file of result.files) console.log(`  ${file.name}: ${file.bytes.toLocaleString('en-US')} bytes, md5 ${file.md5}, sha256 ${file.sha256}`);
    return 0;
  } catch (error) {
    const code = exitCode(error);
    console.error(`sketchprune datasets fetch: ${(error as Error).message}${code === 2 ? ' (see sketchprune datasets fetch --help)' : ''}`);
    return code;
  }
}

export async function run(argv: string[]): Promise<number> {
  if (argv[0] === 'fetch') return fetchCommand(argv.slice(1));
  try {
    return await list(argv);
  } catch (error) {
    const code = exitCode(error);
    console.error(`sketchprune datasets: ${(error as Error).message}${code === 2 ? `\n\n${usage}` : ''}`);
    return code;
  }
}

async function list(argv: string[]): Promise<number> {
  const { values } = parseFlags({
    args: argv,
    options: {
      dir: { type: 'string', multiple: true }, stats: { type: 'boolean' }, json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true, allowPositionals: false,
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const dirs: Record<string, string> = {};
  for (const entry of values.dir ?? []) {
    const equals = entry.indexOf('=');
    if (equals <= 0 || equals === entry.length - 1) throw new UsageError(`--dir expects <name>=<path>, got '${entry}'`);
    dirs[entry.slice(0, equals)] = entry.slice(equals + 1);
  }
  // loaded only now: the data module brings libtorch, which --help and argument errors do not need
  const { datasetStats, probeDatasets } = await import('../data/index.js');
  const listing = probeDatasets({ dirs });
  const unknown = Object.keys(dirs).filter((name) => !listing.some((entry) => entry.name === name));
  if (unknown.length > 0) {
    throw new UsageError(`unknown dataset '${unknown[0]}' in --dir; known: ${listing.map((entry) => entry.name).join(', ')}`);
  }
  const stats = new Map<string, { mean: number[]; std: number[] } | string>();
  if (values.stats) {
    for (const entry of listing) {
      if (entry.status !== 'found') continue;
      if (!values.json) console.error(`computing ${entry.name} train statistics (cached after the first time)...`);
      try {
        stats.set(entry.name, datasetStats(entry.name, { dir: entry.location!.dir, allowSubset: true }));
      } catch (error) {
        stats.set(entry.name, (error as Error).message);
      }
    }
  }
  if (values.json) {
    console.log(JSON.stringify(listing.map((entry) => ({ ...entry, stats: stats.get(entry.name) })), null, 2));
  } else {
    printTable(listing, stats);
  }
  return listing.some((entry) => entry.status === 'damaged' || entry.status === 'missing-directory') ? 1 : 0;
}

function printTable(listing: DatasetAvailability[], stats: Map<string, { mean: number[]; std: number[] } | string>): void {
  const number = (value: number | undefined) => (value === undefined ? '-' : value.toLocaleString('en-US'));
  const rows = listing.map((entry) => [
    entry.name,
    { found: 'yes', 'not-found': 'no', damaged: 'damaged', 'missing-directory': 'missing' }[entry.status],
    number(entry.counts.train),
    number(entry.counts.test),
    entry.inputShape.join('×'),
    String(entry.numClasses),
    entry.location ? `${entry.location.dir} (${entry.location.via})` : `not found: set ${entry.envVar} or SKETCHPRUNE_DATA`,
  ]);
  const header = ['dataset', 'found', 'train', 'test', 'input', 'classes', 'location'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  const format = (row: string[]) => row.map((cell, column) =>
    column === row.length - 1 ? cell : [2, 3].includes(column) ? cell.padStart(widths[column]) : cell.padEnd(widths[column])).join('  ');
  console.log(format(header));
  for (const row of rows) console.log(format(row));
  for (const entry of listing) {
    for (const problem of entry.problems) console.log(`  ${entry.name}: ${problem}`);
    const entryStats = stats.get(entry.name);
    if (typeof entryStats === 'string') console.log(`  ${entry.name}: statistics failed: ${entryStats}`);
    else if (entryStats) {
      const show = (values: number[]) => values.map((value) => value.toFixed(4)).join(', ');
      console.log(`  ${entry.name}: train mean [${show(entryStats.mean)}], std [${show(entryStats.std)}] (pixel/255)`);
    }
  }
}
