// The same runs give bit-identical results in this process (--workers 1) and in worker processes (--workers 2)
// at the same --threads: intra-op and BLAS threads are pinned per run and recorded in config.json.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { runDirs, spawnCli, temporary } from './faults-helpers.js';

/** The checkpoint's tensor data (after the header; the metadata holds timings, which differ). */
function tensorBytes(dir: string): Buffer {
  const bytes = fs.readFileSync(path.join(dir, 'checkpoints', 'checkpoint.safetensors'));
  return bytes.subarray(8 + Number(bytes.readBigUInt64LE(0)));
}

test('--workers 1 and --workers 2 give the same losses and weights for 8 runs; config.json records the threads', async () => {
  const dir = temporary('workers');
  try {
    const config = path.join(dir, 'experiment.json');
    fs.writeFileSync(config, JSON.stringify({
      name: 'determinism',
      base: {
        model: 'fc', modelOptions: { widths: [256, 256] }, dataset: 'synthetic', data: { trainSubset: 512, testSubset: 128 },
        train: { epochs: 3, batchSize: 128, maxStepsPerEpoch: 4, lr: 0.1 },
      },
      grid: { pruning: [{ method: 'magnitude' }, { method: 'snip' }], density: [0.5, 0.2], seed: [0, 1] },
      report: { tables: [] },
    }));
    const outs = [path.join(dir, 'w1'), path.join(dir, 'w2')];
    for (const [i, out] of outs.entries()) {
      const child = spawnCli(['run', config, '--out', out, '--workers', String(i + 1), '--threads', '1', '--no-report']);
      assert.equal((await child.exit).code, 0, child.output());
    }
    const [one, two] = outs.map(runDirs);
    assert.equal(one.length, 8);
    for (let r = 0; r < 8; r++) {
      const read = (d: string, file: string) => JSON.parse(fs.readFileSync(path.join(d, file), 'utf8'));
      assert.equal(read(one[r], 'result.json').trainLoss, read(two[r], 'result.json').trainLoss, path.basename(one[r]));
      assert.equal(read(one[r], 'result.json').testLoss, read(two[r], 'result.json').testLoss, path.basename(one[r]));
      assert.ok(tensorBytes(one[r]).equals(tensorBytes(two[r])), `checkpoint tensors ${path.basename(one[r])}`);
      assert.deepEqual(read(one[r], 'config.json').threads, { intraOp: 1, blas: 1 });
      assert.deepEqual(read(two[r], 'config.json').threads, { intraOp: 1, blas: 1 });
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
