// Scores against a PyTorch reference (test/reference/pruning_scores.py, torch 1.13 from /usr/bin/python3) on
// identical exported weights and batches, in float64: SNIP, GraSP and SynFlow on a small conv net with conv
// bias, batch norm (non-trivial running statistics) and max-pooling. Relative error ≤ 1e-5 per layer.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as T from '../../src/torch/index.js';
import { prune, scoreModel } from '../../src/pruning/index.js';
import { SmallConvNet, deepLinear, fixedSource, hasPyTorch, randomizeBatchNorm, relativeError, runPython } from './helpers.js';

test('snip, grasp and synflow agree with the PyTorch reference (relative error ≤ 1e-5, float64)', (t) => {
  if (!hasPyTorch()) { t.skip('/usr/bin/python3 has no torch'); return; }
  T.tidy(() => {
    T.manualSeed(21);
    const model = new SmallConvNet();
    randomizeBatchNorm(model);
    model.to('float64');
    const batches = [0, 1].map(() => ({ inputs: T.randn([16, 3, 8, 8], { dtype: 'float64' }), labels: T.randint(0, 5, [16]) }));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sketchprune-reference-'));
    const request = path.join(dir, 'in.pt');
    const reply = path.join(dir, 'out.pt');
    const exported: Record<string, T.Tensor> = { ...model.stateDict() };
    batches.forEach(({ inputs, labels }, b) => { exported[`__inputs_${b}__`] = inputs; exported[`__labels_${b}__`] = labels; });
    T.savePt(request, exported);
    runPython('pruning_scores.py', [request, reply]);
    const reference = T.loadPt(reply);
    for (const method of ['snip', 'grasp', 'synflow']) {
      const ours = scoreModel(model, { method, input: method === 'synflow' ? undefined : { source: fixedSource(batches), batches: 2 } });
      assert.deepEqual([...ours.keys()], ['0.weight', '4.weight', '9.weight']);
      for (const [name, scores] of ours) {
        const expected = reference[`${method}/${name}`];
        assert.ok(expected, `reference has ${method}/${name}`);
        assert.deepEqual(scores.shape, expected.shape);
        const error = relativeError(scores, expected);
        assert.ok(error <= 1e-5, `${method} ${name}: relative error ${error}`);
        t.diagnostic(`${method} ${name}: relative error ${error.toExponential(2)}`);
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

// Iterative SynFlow against Synaptic-Flow's own loop (test/reference/synflow_iterative.py: kthvalue threshold,
// everything ≤ it pruned, float64) on identical weights: with keepRule 'synaptic-flow' the masks are identical
// after 100 iterations; with the default round(d·N) they are not (the counts differ by one weight in some
// iterations, and the last count is round(246.4) = 246 against 4928 − ⌊0.95·4928⌋ = 247 here).
test('iterative SynFlow with the synaptic-flow keep rule reproduces Synaptic-Flow\'s masks exactly', async (t) => {
  if (!hasPyTorch()) { t.skip('/usr/bin/python3 has no torch'); return; }
  T.manualSeed(5);
  const model = deepLinear([64, 48, 32, 10], true);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sketchprune-synflow-iterative-'));
  const request = path.join(dir, 'in.pt');
  const reply = path.join(dir, 'out.pt');
  T.tidy(() => T.savePt(request, { ...model.stateDict(), __input_shape__: T.tensor(Int32Array.from([1, 1, 64]), [3], { dtype: 'int64' }) }));
  const density = 0.05;
  const iterations = 100;
  runPython('synflow_iterative.py', [request, reply, String(density), String(iterations)]);
  const reference = T.loadPt(reply);
  const counts: number[] = [];
  const synapticFlow = await prune(model, { method: 'synflow', density, iterations, keepRule: 'synaptic-flow', onProgress: (p) => counts.push(p.kept) });
  const rounded = await prune(model, { method: 'synflow', density, iterations });
  const N = 64 * 48 + 48 * 32 + 32 * 10;
  T.tidy(() => {
    let sameRounded = true;
    for (const [name, mask] of synapticFlow.masks.entries()) {
      const expected = reference[name];
      assert.ok(expected, `reference has ${name}`);
      assert.equal(mask.to('float64').eq(expected).all().item(), 1, `${name}: masks differ`);
      if (rounded.masks.get(name).to('float64').eq(expected).all().item() !== 1) sameRounded = false;
    }
    assert.equal(synapticFlow.record.kept, N - Math.trunc((1 - density) * N));
    assert.equal(rounded.record.kept, Math.round(density * N));
    assert.equal(sameRounded, false, 'the default rule keeps a different count, so its masks cannot all agree');
    assert.equal(counts.length, iterations);
  });
  assert.equal(synapticFlow.record.options.keepRule, 'synaptic-flow');
  for (const tensor of Object.values(reference)) tensor.dispose();
  synapticFlow.masks.dispose();
  rounded.masks.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});
