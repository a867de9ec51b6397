// Scores against a PyTorch reference (test/reference/pruning_scores.py, torch 1.13 from /usr/bin/python3) on
// identical exported weights and batches, in float64: SNIP, GraSP and SynFlow on a small conv net with conv
// bias, batch norm (non-trivial running statistics) and max-pooling. Relative error ≤ 1e-5 per layer.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as T from '../../src/torch/index.js';
import { scoreModel } from '../../src/pruning/index.js';
import { SmallConvNet, fixedSource, hasPyTorch, randomizeBatchNorm, relativeError, runPython } from './helpers.js';

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
