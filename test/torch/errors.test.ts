import os from 'node:os';
import fs from 'node:fs';
// Failures are JavaScript errors with libtorch's message and the op's name; wrong argument types are TypeErrors
// naming the argument; use after dispose is refused clearly; nothing aborts the process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import * as T from '../../src/torch/index.js';
import { native } from '../../src/torch/native.js';
import { aten } from '../../src/torch/ops.js';
import { repositoryRoot } from '../helpers/pytorch.js';
import { checkOpFuzz } from '../helpers/op-fuzz-check.js';

const { F } = T;
type Thrower = () => unknown;

/** Asserts fn throws an instance of `kind` whose whole message matches `message`. */
function throwsExactly(fn: Thrower, kind: new (...args: never[]) => Error, message: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof kind, `expected ${kind.name}, got ${(error as Error)?.constructor?.name}: ${String(error)}`);
    assert.equal((error as Error).constructor, kind, `expected exactly ${kind.name}`);
    assert.match((error as Error).message, message);
    return true;
  });
}

test('shape, dtype and device mismatches are TorchErrors carrying the op name and libtorch\'s message', () => {
  T.tidy(() => {
    throwsExactly(() => T.ones([2, 3]).add(T.ones([4])), T.TorchError,
      /^aten::add\.Tensor: The size of tensor a \(3\) must match the size of tensor b \(4\) at non-singleton dimension 1$/);
    throwsExactly(() => T.ones([2, 3]).matmul(T.ones([4, 5])), T.TorchError,
      /^aten::matmul: mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x5\)$/);
    throwsExactly(() => F.conv2d(T.ones([1, 4, 5, 5]), T.ones([2, 3, 3, 3])), T.TorchError,
      /^aten::conv2d: Given groups=1, weight of size \[2, 3, 3, 3\], expected input\[1, 4, 5, 5\] to have 3 channels, but got 4 channels instead$/);
    throwsExactly(() => T.ones([2, 2]).matmul(T.ones([2, 2], { dtype: 'float64' })), T.TorchError,
      /^aten::matmul: expected scalar type Float but found Double$/);
    throwsExactly(() => T.ones([3]).indexSelect(0, T.ones([2])), T.TorchError, /^aten::index_select: .*Expected dtype int32 or int64 for index/);
    throwsExactly(() => F.crossEntropy(T.ones([2, 3]), T.ones([2])), T.TorchError, /^aten::cross_entropy_loss: expected scalar type Long but found Float$/);
    if (T.cudaAvailable()) {
      throwsExactly(() => T.ones([2]).add(T.ones([2], { device: 'cuda' })), T.TorchError,
        /^aten::add\.Tensor: Expected all tensors to be on the same device/);
    } else {
      // Without CUDA the device itself is the error, still from libtorch and still a TorchError.
      throwsExactly(() => T.zeros([2], { device: 'cuda' }), T.TorchError, /^aten::zeros: .*CUDA/);
    }
    throwsExactly(() => T.zeros([2], { device: 'gpu' as T.Device }), T.TorchError, /^aten::zeros: .*device.*gpu/i);
  });
});

test('TorchError: an Error subclass, exported from torch/, naming the failed op in .op and its message', () => {
  T.tidy(() => {
    let caught: unknown;
    try { T.ones([2, 3]).add(T.ones([4])); } catch (error) { caught = error; }
    assert.ok(caught instanceof T.TorchError && caught instanceof Error);
    assert.equal(caught.name, 'TorchError');
    assert.equal(caught.op, 'aten::add.Tensor');
    assert.match(String(caught), /^TorchError: aten::add\.Tensor: The size of tensor a \(3\)/);
    // A failure outside an ATen op (libtorch's TorchScript loader) is a TorchError named after its entry point.
    const notAModule = path.join(os.tmpdir(), `sp-not-a-module-${process.pid}.pt`);
    fs.writeFileSync(notAModule, 'not a zip file');
    try {
      assert.throws(() => native.jitLoad(notAModule), (error: unknown) =>
        error instanceof T.TorchError && error.op === 'TorchScript load' && error.message.startsWith('TorchScript load: '));
    } finally {
      fs.rmSync(notAModule, { force: true });
    }
    // Our own argument checks stay TypeErrors / RangeErrors, not TorchErrors.
    assert.throws(() => T.ones([2]).add('x' as unknown as number), (error: unknown) => error instanceof TypeError && !(error instanceof T.TorchError));
  });
});

test('wrong argument types are TypeErrors that name the ATen argument and what was received', () => {
  T.tidy(() => {
    const x = T.ones([1, 1, 4, 4]);
    const v = T.ones([2]);
    const cases: [Thrower, RegExp][] = [
      [() => v.add('x' as never), /^aten::add\.Scalar argument 'other': expected a number, got string$/],
      [() => v.add(null as never), /^aten::add\.Scalar argument 'other': expected a number, got null$/],
      [() => v.matmul(null as never), /^aten::matmul argument 'other': expected a tensor, got null$/],
      [() => v.matmul(5 as never), /^aten::matmul argument 'other': expected a tensor, got number 5$/],
      [() => v.matmul(undefined as never), /^aten::matmul: missing argument 'other'$/],
      [() => v.matmul({} as never), /^aten::matmul argument 'other': expected a tensor, got object$/],
      [() => F.conv2d(x, T.ones([1, 1, 1, 1]), { stride: 'a' as never }), /^aten::conv2d argument 'stride': expected an integer, got string$/],
      [() => F.conv2d(x, T.ones([1, 1, 1, 1]), { bias: 5 as never }), /^aten::conv2d argument 'bias': expected a tensor, got number 5$/],
      [() => F.maxPool2d(x, 1.5), /^aten::max_pool2d argument 'kernel_size': expected an integer, got number 1\.5$/],
      [() => v.reshape('x' as never), /^aten::reshape argument 'shape': expected an integer, got string$/],
      [() => v.sum(1.5), /^aten::sum\.dim_IntList argument 'dim': expected an integer, got number 1\.5$/],
      [() => v.topk(Number.NaN), /^aten::topk argument 'k': expected an integer, got number NaN$/],
      [() => T.cat([v, 'x' as never]), /^aten::cat argument 'tensors': expected a tensor, got string$/],
      [() => F.batchNorm(x, { training: 'yes' as never }), /^aten::batch_norm argument 'training': expected a boolean, got string$/],
      [() => T.zeros([2], { dtype: 'complex64' as never }), /^unknown dtype 'complex64'; expected one of uint8, /],
      [() => v.to('gpu' as never), /^to: expected a dtype \(.*\) or a device \('cpu', 'cuda', 'cuda:N'\), got "gpu"$/],
      [() => aten('neg')(v.handle, 1, 2), /^aten::neg: takes 1 arguments, got 3$/],
      [() => native.savePt(['a'], [5 as never]), /^savePt: expected a tensor, got number 5$/],
      [() => native.fromBuffer('x' as never, 6, [1]), /^fromBuffer data: expected a typed array$/],
      [() => native.backward(5 as never, null, null, false), /^backward tensors: expected an array of tensors$/],
    ];
    for (const [fn, message] of cases) throwsExactly(fn, TypeError, message);
  });
});

test('bad enum codes are RangeErrors before libtorch sees them; odd but valid codes get libtorch\'s error', () => {
  T.tidy(() => {
    const zeros = aten('zeros');
    throwsExactly(() => zeros([2], 99, null, 'cpu'), RangeError, /^aten::zeros argument 'dtype': invalid dtype code 99 \(valid: 0\.\.\d+\)$/);
    throwsExactly(() => zeros([2], -1, null, 'cpu'), RangeError, /^aten::zeros argument 'dtype': invalid dtype code -1/);
    throwsExactly(() => zeros([2], 18, null, 'cpu'), RangeError, /^aten::zeros argument 'dtype': dtype code 18 is Undefined$/);
    throwsExactly(() => zeros([2], 6, 42, 'cpu'), RangeError, /^aten::zeros argument 'layout': invalid layout code 42/);
    throwsExactly(() => aten('empty.memory_format')([2], 6, null, 'cpu', null, 9), RangeError,
      /^aten::empty\.memory_format argument 'memory_format': invalid memory format code 9/);
    throwsExactly(() => native.fromBuffer(new Float32Array(2), 99, [2]), RangeError, /^fromBuffer dtype: invalid dtype code 99/);
    throwsExactly(() => native.fromBuffer(new Float32Array(3), 6, [2]), RangeError, /^fromBuffer: 12 bytes do not fill shape of 2 elements$/);
    throwsExactly(() => native.fromBuffer(new Float32Array(3), 6, [-3]), RangeError, /^fromBuffer shape: sizes must be non-negative$/);
    throwsExactly(() => zeros([2], 12, null, 'cpu'), T.TorchError, /^aten::zeros: .*QuantizedCPU/); // qint8: valid code, no kernel
    const valid = zeros([2], 7, null, 'cpu') as Parameters<typeof native.dispose>[0];
    assert.deepEqual(native.meta(valid), [7, 'cpu', false, 2], 'a valid code still works');
    native.dispose(valid);
  });
});

test('use after dispose throws a clear Error; dispose is idempotent; tidy-freed tensors are refused too', () => {
  const t = T.ones([2]);
  t.dispose();
  t.dispose();
  assert.equal(t.isDisposed, true);
  assert.equal(String(t), 'Tensor(disposed)');
  throwsExactly(() => t.add(1), Error, /^tensor was disposed; it cannot be used any more \(keep\(\) it to escape a tidy\)$/);
  throwsExactly(() => T.tidy(() => T.ones([2]).add(t)), Error, /^tensor was disposed/);
  let escaped: T.Tensor | undefined;
  T.tidy(() => { escaped = T.ones([3]); });
  throwsExactly(() => escaped!.sum(), Error, /^tensor was disposed/);
  // A raw handle kept past dispose is recognised by the addon, even after its slot is reused.
  const u = T.ones([2]);
  const stale = u.handle;
  u.dispose();
  const reuse = T.tidy(() => Array.from({ length: 5 }, () => T.keep(T.zeros([1]))));
  throwsExactly(() => aten('neg')(stale), Error, /^aten::neg argument 'self': tensor was disposed$/);
  native.dispose(stale); // disposing a stale handle does nothing...
  assert.deepEqual(reuse.map((r) => r.isDisposed), [false, false, false, false, false]);
  assert.deepEqual(reuse.map((r) => r.toArray()[0]), [0, 0, 0, 0, 0], '...and frees no other tensor');
  T.dispose(reuse);
});

test('autograd errors — also one raised in the middle of backward — throw and leave the engine usable', () => {
  const before = T.memoryStats().tensors;
  T.tidy(() => {
    const x = T.ones([3], { requiresGrad: true });
    throwsExactly(() => x.mul(2).backward(), T.TorchError, /^backward: grad can be implicitly created only for scalar outputs$/);
    throwsExactly(() => x.mul(2).backward(T.ones([4])), T.TorchError, /^backward: invalid gradient at index 0 - got \[4\] but expected shape compatible with \[3\]$/);
    const y = x.exp().sum();
    y.backward();
    throwsExactly(() => y.backward(), T.TorchError, /^backward: Trying to backward through the graph a second time/);
    x.grad = null;
    // exp saves its output; changing it in place fails when backward reaches ExpBackward, after MulBackward ran.
    const e = x.exp();
    const loss = e.mul(x).sum();
    e.mul_(3);
    throwsExactly(() => loss.backward(), T.TorchError, /^backward: one of the variables needed for gradient computation has been modified by an inplace operation/);
    throwsExactly(() => { x.grad = T.ones([4]); }, T.TorchError, /^setGrad: assigned grad has data of a different size \(\[4\] for a tensor of size \[3\]\)$/);
    throwsExactly(() => { x.grad = T.ones([3], { dtype: 'float64' }); }, T.TorchError, /^setGrad: assigned grad has data of a different type/);
    throwsExactly(() => T.grad(x.detach().sum(), [x]), T.TorchError, /^grad: element 0 of tensors does not require grad and does not have a grad_fn$/);
    // The engine still works, and gives the right gradient.
    x.grad = null;
    x.mul(x).sum().backward();
    assert.deepEqual(x.grad!.toArray(), [2, 2, 2]);
  });
  assert.equal(T.memoryStats().tensors, before, 'failed backward passes leak no tensors');
});

test('a tidy whose function throws frees everything made inside and rethrows', () => {
  const before = T.memoryStats();
  assert.throws(() => T.tidy(() => {
    T.ones([1000]);
    T.tidy(() => T.ones([10]).matmul(T.ones([11])));
  }), /aten::matmul/);
  assert.deepEqual(T.memoryStats(), before);
});

test('calling every bound op with random wrong arguments never aborts the process (fuzz in a child process)', () => {
  checkOpFuzz(5); // 25 calls per op in test/e2e/op-fuzz.test.ts
});

test('loading the addon in a worker thread is refused with an Error (its tables are per process)', async () => {
  const module = pathToFileURL(path.join(repositoryRoot, 'dist', 'src', 'torch', 'index.js')).href;
  const worker = new Worker(`import(${JSON.stringify(module)}).then(() => 'loaded', (e) => e.message)
    .then((m) => require('node:worker_threads').parentPort.postMessage(m))`, { eval: true });
  const message = await new Promise<string>((resolve, reject) => { worker.once('message', resolve); worker.once('error', reject); });
  await worker.terminate();
  assert.match(message, /works on one JavaScript thread per process; it cannot be loaded in a worker thread/);
  assert.equal(T.ones([2]).sum().item(), 2, 'the main thread is unaffected');
});
