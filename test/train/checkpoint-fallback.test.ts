// A half-written or damaged file is never trusted: every safetensors file we write carries a SHA-256 that loading
// verifies, and a damaged or missing newest checkpoint falls back to the previous one with a warning, so the
// resumed run still ends bit-identical to an uninterrupted one.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tensor, tidy } from '../../src/torch/index.js';
import { MaskSet } from '../../src/nn/index.js';
import { checkpointPath, loadCheckpoint, trainModel } from '../../src/train/index.js';
import { smallModel, stateBytes, syntheticData } from './helpers.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sketchprune-fallback-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));
const recipe = { epochs: 2, seed: 3, optimizer: { lr: 0.05, momentum: 0.9 }, checkpointEverySteps: 1 };

async function reference(): Promise<Map<string, Buffer>> {
  const model = smallModel();
  await trainModel({ model, trainData: syntheticData(64, 16), ...recipe, checkpointDir: fs.mkdtempSync(path.join(root, 'ref-')) });
  return stateBytes(model);
}

const damages: [string, (file: string) => void, RegExp][] = [
  ['a flipped data byte', (file) => { const b = fs.readFileSync(file); b[b.length - 100] ^= 0x04; fs.writeFileSync(file, b); }, /checksum mismatch/],
  ['a torn write', (file) => fs.truncateSync(file, Math.floor(fs.statSync(file).size / 2)), /lies outside the file|header/],
  ['a missing file (killed between the renames)', (file) => fs.rmSync(file), /is missing \(a write was interrupted\)/],
];

for (const [what, damage, reason] of damages) {
  test(`${what} in the newest checkpoint: resume falls back to the previous one and ends bit-identical`, async () => {
    const expected = await reference();
    const dir = fs.mkdtempSync(path.join(root, 'run-'));
    await trainModel({ model: smallModel(), trainData: syntheticData(64, 16), ...recipe, checkpointDir: dir, maxSteps: 5 });
    damage(checkpointPath(dir));
    const messages: string[] = [];
    const model = smallModel();
    const resumed = await trainModel({ model, trainData: syntheticData(64, 16), ...recipe, checkpointDir: dir, resume: true,
      progress: { step() {}, epoch() {}, message: (text: string) => messages.push(text), close() {} } });
    assert.equal(resumed.resumedFrom, 4, 'resumed from the previous checkpoint (step 4)');
    assert.ok(messages.some((m) => reason.test(m)), `the warning is shown: ${messages.join(' | ')}`);
    if (!what.startsWith('a missing')) assert.ok(fs.existsSync(path.join(dir, 'checkpoint.damaged.safetensors')), 'the damaged file is kept aside');
    assert.deepEqual(stateBytes(model), expected);
  });
}

test('both checkpoints damaged: the error names the newest file; a damaged mask file is refused', async () => {
  const dir = fs.mkdtempSync(path.join(root, 'both-'));
  await trainModel({ model: smallModel(), trainData: syntheticData(64, 16), ...recipe, checkpointDir: dir, maxSteps: 3 });
  for (const name of ['checkpoint.safetensors', 'checkpoint.previous.safetensors']) damages[0][1](path.join(dir, name));
  assert.throws(() => loadCheckpoint(dir), new RegExp(`checkpoint ${checkpointPath(dir)} cannot be read: .*checksum mismatch`));
  const maskFile = path.join(root, 'mask.safetensors');
  tidy(() => new MaskSet([['w', tensor(Float32Array.from({ length: 64 }, (_, i) => i % 2))]]).save(maskFile));
  const bytes = fs.readFileSync(maskFile);
  bytes[bytes.length - 3] ^= 0x3f; // a kept weight becomes another value
  fs.writeFileSync(maskFile, bytes);
  assert.throws(() => MaskSet.load(maskFile), /checksum mismatch/);
});
