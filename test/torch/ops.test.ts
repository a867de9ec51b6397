// The op table: every ATen schema the TS code names resolves in this libtorch (checked all at once, eagerly),
// and named-argument calls match positional ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import '../../src/index.js'; // loads every module, so every module-level aten(…) is in the table
import * as T from '../../src/torch/index.js';
import { aten, atenNamed, resolveAllOps, schemaArgumentNames, usedOpSchemas } from '../../src/torch/ops.js';
import { native, type Handle } from '../../src/torch/native.js';
import { wrap } from '../../src/torch/tensor.js';
import { repositoryRoot } from '../helpers/pytorch.js';

/** Every 'schema' literal passed to aten/atenInPlace/atenNamed in src/ (read from the sources, not the table). */
function schemasInSources(): Set<string> {
  const found = new Set<string>();
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (entry.name.endsWith('.ts')) {
        for (const match of fs.readFileSync(file, 'utf8').matchAll(/\baten(?:InPlace|Named)?\('([^']+)'\)/g)) found.add(match[1]);
      }
    }
  };
  walk(path.join(repositoryRoot, 'src'));
  return found;
}

test('every ATen schema used in src/ is in the op table, and all of them resolve in this libtorch', () => {
  const used = new Set(usedOpSchemas());
  const inSources = schemasInSources();
  assert.ok(inSources.size > 100, `found ${inSources.size} schemas in src/`);
  const notInTable = [...inSources].filter((schema) => !used.has(schema));
  assert.deepEqual(notInTable, [], 'every aten(…) in src/ is made at module load, so the table knows it');
  resolveAllOps();
});

test('resolveAllOps names every schema this libtorch lacks, in one error, and records nothing', () => {
  const before = usedOpSchemas().length;
  assert.throws(() => resolveAllOps(['relu', 'no_such_op', 'add.NoSuchOverload']),
    /lacks 2 ATen schema\(s\) sketchprune uses: no_such_op \(unknown operator aten::no_such_op in this libtorch\); add\.NoSuchOverload/);
  assert.equal(usedOpSchemas().length, before);
});

test('schemaArgumentNames reads argument names from libtorch\'s printed schemas', () => {
  const conv = native.opSchema(native.findOp('aten::conv2d', ''));
  assert.deepEqual(schemaArgumentNames(conv), ['input', 'weight', 'bias', 'stride', 'padding', 'dilation', 'groups']);
  assert.deepEqual(schemaArgumentNames('aten::add.Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor'),
    ['self', 'other', 'alpha']);
  assert.deepEqual(schemaArgumentNames('aten::f(Tensor(a!) self, int[2] k=[1, 1], float? x=None) -> Tensor(a!)'), ['self', 'k', 'x']);
  assert.deepEqual(schemaArgumentNames('aten::zeros_like(Tensor self, *, ScalarType? dtype=None) -> Tensor'), ['self', 'dtype']);
});

test('atenNamed: named arguments give the positional call\'s result; defaults fill the rest; unknown names are TypeErrors', () => {
  T.tidy(() => {
    T.manualSeed(3);
    const input = T.randn([2, 3, 7, 7]);
    const weight = T.randn([4, 3, 3, 3]);
    const bias = T.randn([4]);
    const positional = wrap(aten('conv2d')(input.handle, weight.handle, bias.handle, 2, 1, 1, 1) as Handle);
    const byName = atenNamed('conv2d');
    const named = wrap(byName({ padding: 1, input: input.handle, stride: 2, weight: weight.handle, bias: bias.handle }) as Handle);
    assert.deepEqual(named.shape, [2, 4, 4, 4]);
    assert.equal(named.sub(positional).abs().max().item(), 0);
    // Left out: bias=None, stride=1, padding=0, dilation=1, groups=1.
    const defaults = wrap(byName({ input: input.handle, weight: weight.handle }) as Handle);
    const explicit = wrap(aten('conv2d')(input.handle, weight.handle, null, 1, 0, 1, 1) as Handle);
    assert.deepEqual(defaults.shape, [2, 4, 5, 5]);
    assert.equal(defaults.sub(explicit).abs().max().item(), 0);
    assert.throws(() => byName({ input: input.handle, weight: weight.handle, strides: 2 }),
      (error: unknown) => error instanceof TypeError &&
        error.message === "aten::conv2d: no argument 'strides' (arguments: input, weight, bias, stride, padding, dilation, groups)");
  });
});
