// End to end: a CNN with batch norm scripted by Python (python/models.py's resnet20 twin), pruned by
// `sketchprune prune --torchscript … --pt --save-init`, the masks applied in PyTorch by python/apply_masks.py
// (torch.nn.utils.prune.custom_from_mask on the eager twin, in-place on the scripted module); the masked network's
// output in PyTorch equals the TypeScript twin's with the same initial weights and masks.
import test, { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as T from '../../src/torch/index.js';
import { TorchScriptModule, createModel, prunableParameters, type Module } from '../../src/nn/index.js';
import { loadMasks } from '../../src/pruning/index.js';
import { run as pruneCli } from '../../src/cli/prune.js';
import { relativeError } from '../pruning/helpers.js';
import { hasPyTorch, noPyTorch, runReferenceJson } from '../helpers/pytorch.js';

const inputShape = [3, 8, 8];

describe('prune --torchscript, masks applied in PyTorch', { skip: hasPyTorch() ? false : noPyTorch }, () => {
  let dir = '';
  let scripted: TorchScriptModule;
  let twin: Module;
  let input: T.Tensor;

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sketchprune-torchscript-e2e-'));
    const reference = runReferenceJson<{ resnet: { input: number[] } }>('torchscript_models.py', [dir]);
    scripted = TorchScriptModule.load(path.join(dir, 'resnet.pt'), { inputShape });
    twin = createModel('resnet20', { inputShape: [3, 8, 8], numClasses: 10 });
    twin.loadStateDict(scripted.stateDict());
    input = T.keep(T.tensor(reference.resnet.input, [4, ...inputShape]));
    T.savePt(path.join(dir, 'input.pt'), { input }); // for apply_masks.py --forward
  });
  after(() => {
    scripted?.dispose();
    twin?.dispose();
    input?.dispose();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('sketchprune prune --torchscript … --pt --save-init; apply_masks.py in PyTorch gives the masked twin\'s output', async () => {
    const out = path.join(dir, 'masks.safetensors');
    const code = await pruneCli(['--torchscript', path.join(dir, 'resnet.pt'), '--input-shape', '3,8,8', '--method', 'snip',
      '--input', 'normal', '--batch-size', '8', '--density', '0.2', '--seed', '1', '--out', out, '--pt', '--save-init']);
    assert.equal(code, 0);
    const { masks, record } = loadMasks(out);
    const init = T.loadPt(path.join(dir, 'masks.init.pt'));
    try {
      assert.equal(record!.method, 'snip');
      assert.ok(Math.abs(record!.density - 0.2) < 1e-3);
      assert.deepEqual(masks.names.sort(), prunableParameters(twin).map(([name]) => name).sort());
      // The initial weights travel with the masks: the file holds exactly the module's state dict.
      assert.deepEqual(Object.keys(init).sort(), Object.keys(scripted.stateDict()).sort());
      for (const [name, tensor] of Object.entries(scripted.stateDict())) assert.equal(relativeError(init[name], tensor), 0, name);

      // PyTorch: the eager twin (python/models.py) with the initial weights, masks by custom_from_mask.
      const pytorch = runReferenceJson<{ masks: Record<string, { kept: number; total: number }>; forward: number[] }>(
        'python/apply_masks.py', ['--masks', path.join(dir, 'masks.pt'), '--model', 'resnet20', '--input-shape', '3,8,8',
          '--classes', '10', '--init', path.join(dir, 'masks.init.pt'), '--forward', path.join(dir, 'input.pt')]);
      for (const layer of record!.layers) assert.deepEqual(pytorch.masks[layer.name], { kept: layer.kept, total: layer.total }, layer.name);
      // The same masks on the TypeScript twin, eval mode.
      const masked = createModel('resnet20', { inputShape: [3, 8, 8], numClasses: 10 });
      masked.loadStateDict(init);
      masks.applyTo(masked);
      masked.eval();
      T.tidy(() => {
        const expected = T.noGrad(() => masked.forward(input));
        assert.ok(relativeError(T.tensor(pytorch.forward, expected.shape), expected) < 1e-5);
        // The masks matter: the unmasked network's output is far from it.
        twin.eval();
        assert.ok(relativeError(T.noGrad(() => twin.forward(input)), expected) > 1e-2);
      });
      masked.dispose();

      // The scripted module itself (masks multiplied in place; a ScriptModule cannot be re-parametrized).
      const viaScript = runReferenceJson<{ masks: Record<string, { kept: number }>; forward: number[] }>('python/apply_masks.py',
        ['--masks', out, '--torchscript', path.join(dir, 'resnet.pt'), '--forward', path.join(dir, 'input.pt')]);
      assert.equal(Object.values(viaScript.masks).reduce((sum, layer) => sum + layer.kept, 0), record!.kept);
      assert.ok(relativeError(T.tensor(viaScript.forward), T.tensor(pytorch.forward)) < 1e-5);
    } finally {
      masks.dispose();
      for (const tensor of Object.values(init)) tensor.dispose();
    }
  });

});
