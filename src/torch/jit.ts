// TorchScript modules: a PyTorch network saved with torch.jit.script(model).save(path) or torch.jit.trace(...),
// loaded by libtorch. Parameters and buffers come back as tensors that alias the module's own (in-place edits and
// setData_ act on the module; gradients flow through forward). nn/'s TorchScriptModule wraps this as a Module.
import fs from 'node:fs';
import { native, type ScriptModuleHandle } from './native.js';
import { Tensor, handleOf } from './tensor.js';
import { dtypeCode, type DType, type Device } from './dtype.js';

export class ScriptModule {
  readonly #handle: ScriptModuleHandle;
  readonly file: string;

  private constructor(handle: ScriptModuleHandle, file: string) {
    this.#handle = handle;
    this.file = file;
  }

  /** Loads a TorchScript file onto the CPU; a missing file or one that is not TorchScript gives a clear Error. */
  static load(file: string): ScriptModule {
    if (typeof file !== 'string' || file === '') throw new TypeError('ScriptModule.load: expected a file path');
    if (!fs.existsSync(file)) throw new Error(`TorchScript file ${file} does not exist`);
    if (fs.statSync(file).isDirectory()) throw new Error(`TorchScript file ${file} is a directory`);
    try {
      return new ScriptModule(native.jitLoad(file), file);
    } catch (error) {
      throw new Error(`${file} is not a TorchScript module that libtorch can load (save one with ` +
        `torch.jit.script(model).save(path) or torch.jit.trace(model, example).save(path); a state dict saved with ` +
        `torch.save is not one): ${(error as Error).message}`);
    }
  }

  /** Dotted names and aliases of every parameter, as PyTorch's named_parameters() (caller disposes). */
  namedParameters(): [string, Tensor][] { return pairs(native.jitNamedParameters(this.#handle)); }
  namedBuffers(): [string, Tensor][] { return pairs(native.jitNamedBuffers(this.#handle)); }
  /** Dotted module names ('' for the root) with their TorchScript class names (__torch__.torch.nn.modules.conv.Conv2d). */
  namedModules(): [string, string][] {
    const [names, types] = native.jitNamedModules(this.#handle);
    return names.map((name, index) => [name, types[index]]);
  }
  train(on = true): void { native.jitTrain(this.#handle, on); }
  get training(): boolean { return native.jitIsTraining(this.#handle); }
  /** Moves or converts parameters and buffers in place; earlier aliases see the change (their cached shape info may not). */
  to(target: Device | DType): void {
    if (target === 'cpu' || target.startsWith('cuda')) native.jitTo(this.#handle, target, null);
    else native.jitTo(this.#handle, null, dtypeCode(target as DType));
  }
  /** forward(...inputs) with autograd recorded (double backward works); the module must return one tensor. */
  forward(...inputs: Tensor[]): Tensor { return new Tensor(native.jitForward(this.#handle, inputs.map(handleOf))); }
}

function pairs([names, handles]: [string[], unknown[]]): [string, Tensor][] {
  return names.map((name, index) => [name, new Tensor(handles[index] as never)]);
}
