// Hostile .pt corpus, run as a child process by test/torch/pt-hostile.test.ts (and test/e2e/faults-files): mutates
// valid torch.save archives (pickle bytes re-zipped with correct CRCs so the unpickler sees them, raw archive
// bytes, data records) and loads each one. Every file must load or throw a JavaScript Error; a crash kills this
// process and the parent sees its signal. Loaded tensors are compared with a strided gather done here in
// JavaScript from the archive's bytes. Prints a JSON summary on the last line.
import * as T from '../../src/torch/index.js';
import { readPtArchive } from '../../src/torch/pt-format.js';
import { ptArchive, tensorDictPickle, float32Counting, type CraftedTensor } from './pt-craft.js';
import { mutateBytes, xorshift } from './xorshift.js';

// `node --test dist/test/` runs every .js under test/; without its count argument this file does nothing.
const count = Number(process.argv[2]);
if (!(count > 0)) process.exit(0);
const { below } = xorshift(Number(process.argv[3] ?? 0x9e3779b9));

// Bases: a hand-built archive with views into shared storages, and one written by libtorch (savePt).
const crafted: CraftedTensor[] = [
  { name: 'w', key: '0', storageElements: 24, sizes: [2, 3, 4], strides: [12, 4, 1] },
  { name: 't', key: '0', storageElements: 24, offset: 2, sizes: [4, 3], strides: [1, 6] },
  { name: 's', key: '1', storageElements: 6, offset: 5, sizes: [], strides: [] },
];
const craftedRecords = { 0: float32Counting(24), 1: float32Counting(6) };
const craftedPickle = tensorDictPickle(crafted);
const savedFile = `${process.env.TMPDIR ?? '/tmp'}/pt-fuzz-${process.pid}.pt`;
T.tidy(() => T.savePt(savedFile, {
  a: T.arange(12, undefined, 1, { dtype: 'float64' }).reshape([3, 4]).transpose(0, 1),
  b: T.tensor([1, 0, 1], undefined, { dtype: 'bool' }), c: T.tensor(2.5),
}));
const { readFileSync, rmSync } = await import('node:fs');
const saved = readFileSync(savedFile);
rmSync(savedFile);

const special = [0, 1, 2, 0x7f, 0x80, 0xff, 0x7fffffff, 0x80000000, 0xffffffff];
const mutate = (bytes: Buffer): Buffer => mutateBytes(bytes, below, { special, truncate: false });

/** The values a record describes, gathered here with its sizes, strides and offset. */
function gather(record: ReturnType<typeof readPtArchive>[number]): Buffer {
  const size = record.storage.length / record.storageElements;
  const numel = record.sizes.reduce((a, b) => a * b, 1);
  const out = Buffer.alloc(numel * size);
  const index = new Array(record.sizes.length).fill(0);
  for (let n = 0; n < numel; n++) {
    let element = record.offset;
    for (let d = 0; d < index.length; d++) element += index[d] * record.strides[d];
    record.storage.copy(out, n * size, element * size, (element + 1) * size);
    for (let d = index.length - 1; d >= 0; d--) { if (++index[d] < record.sizes[d]) break; index[d] = 0; }
  }
  return out;
}

const counts = { total: 0, loaded: 0, rejected: 0, mismatched: 0, kinds: {} as Record<string, number> };
const reasons = new Map<string, number>();
for (let i = 0; i < count; i++) {
  let file: Buffer;
  const kind = ['pickle', 'pickle', 'archive', 'records', 'saved-archive'][below(5)];
  if (kind === 'pickle') file = ptArchive(mutate(craftedPickle), craftedRecords);
  else if (kind === 'archive') file = mutate(ptArchive(craftedPickle, craftedRecords));
  else if (kind === 'records') file = ptArchive(craftedPickle, { 0: float32Counting(below(30)), ...(below(2) ? { 1: float32Counting(below(8)) } : {}) });
  else file = mutate(saved);
  counts.total += 1;
  counts.kinds[kind] = (counts.kinds[kind] ?? 0) + 1;
  try {
    T.tidy(() => {
      const tensors = T.decodePt(file, `case ${i}`);
      const records = readPtArchive(file);
      for (const record of records) {
        const got = Buffer.from(tensors[record.name].data().buffer);
        if (!got.equals(gather(record))) counts.mismatched += 1;
      }
    });
    counts.loaded += 1;
  } catch (error) {
    if (!(error instanceof Error)) throw new Error(`case ${i}: threw a non-Error ${String(error)}`);
    counts.rejected += 1;
    const reason = error.message.replace(/^loadPt: case \d+: /, '').replace(/\d+/g, 'N').slice(0, 60);
    reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
  }
}
if (T.memoryStats().tensors !== 0) throw new Error(`${T.memoryStats().tensors} tensors leaked`);
console.log(JSON.stringify({ ...counts, distinctReasons: reasons.size }));
