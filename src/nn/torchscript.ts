// A user's own PyTorch network as a Module: a TorchScript file (torch.jit.script(model).save(path), or
// torch.jit.trace) loaded by libtorch. Its parameters and buffers are registered under PyTorch's dotted names as
// aliases of the script module's own tensors, so everything the scorers do to a Module (working copies through
// setData_, SynFlow's float64 |θ|, batch-norm buffers saved and restored, train/eval, gradients and double
// backward through forward) acts on the scripted network, and masks are keyed by the names Python uses.
import { ScriptModule, noGrad, tidy, zeros, type DType, type Device, type Tensor } from '../torch/index.js';
import { Module } from './module.js';

export interface TorchScriptOptions {
  /** [C, H, W] (or any per-example shape) of one input, for synthetic scoring inputs and SynFlow. */
  inputShape?: number[];
  /** Output classes; found by one eval-mode forward pass on zeros when inputShape is given and this is not. */
  numClasses?: number;
}

/** What decides which parameters of a TorchScript module are prunable (see prunableParameters). */
export interface ForeignPrunableOptions { biases?: boolean; batchNorm?: boolean }

export class TorchScriptModule extends Module {
  readonly script: ScriptModule;
  readonly inputShape?: number[];
  readonly numClasses?: number;
  /** Module path → TorchScript class name (e.g. __torch__.torch.nn.modules.conv.Conv2d). */
  readonly moduleTypes: ReadonlyMap<string, string>;
  #syncedTraining: boolean;

  constructor(script: ScriptModule, options: TorchScriptOptions = {}) {
    super();
    this.script = script;
    this.moduleTypes = new Map(script.namedModules());
    this.#register();
    if (this.namedParameters().length === 0) throw new Error(`TorchScript module ${script.file} has no parameters`);
    this.#syncedTraining = script.training;
    this.training = this.#syncedTraining;
    if (options.inputShape !== undefined) {
      const shape = options.inputShape;
      if (!Array.isArray(shape) || shape.length === 0 || !shape.every((size) => Number.isSafeInteger(size) && size > 0)) {
        throw new RangeError(`inputShape must be a list of positive integers, got ${JSON.stringify(shape)}`);
      }
      this.inputShape = [...shape];
    }
    this.numClasses = options.numClasses ?? (this.inputShape ? this.#outputSize() : undefined);
  }

  /** Loads a TorchScript file (see ScriptModule.load for the errors). */
  static load(file: string, options: TorchScriptOptions = {}): TorchScriptModule {
    return new TorchScriptModule(ScriptModule.load(file), options);
  }

  #register(): void {
    for (const [name, tensor] of this.script.namedParameters()) this.registerParameter(name, tensor);
    for (const [name, tensor] of this.script.namedBuffers()) this.registerBuffer(name, tensor);
  }

  forward(input: Tensor): Tensor {
    // Module.train() and the pruning loop's restore set `training` on the JS side; the script reads its own flags.
    if (this.training !== this.#syncedTraining) {
      this.script.train(this.training);
      this.#syncedTraining = this.training;
    }
    return this.script.forward(input);
  }

  /** Outputs per example of an eval-mode pass on zeros (the class count of a classifier). */
  #outputSize(): number {
    const training = this.training;
    this.training = false;
    try {
      const shape = tidy(() => noGrad(() => this.forward(zeros([2, ...this.inputShape!], { dtype: this.#dtype() })).shape));
      if (shape.length !== 2) {
        throw new Error(`TorchScript module ${this.script.file} returns shape [${shape}] for a batch of 2; ` +
          'pruning scorers need logits shaped [batch, classes]');
      }
      return shape[1];
    } finally {
      this.training = training;
    }
  }

  #dtype(): DType { return this.parameters()[0].dtype; }

  /**
   * The prunable parameters of a foreign module, in named_parameters order: every parameter named `weight` with
   * two or more dimensions (conv, linear and other matrix-like weights; embeddings count too). With `biases`,
   * also the `bias` next to such a weight; with `batchNorm`, the weight and bias of modules that hold a
   * running_mean buffer (batch norm).
   */
  prunableParameters(options: ForeignPrunableOptions = {}): [string, Tensor][] {
    const parameters = new Map(this.namedParameters());
    const buffers = new Set(this.namedBuffers().map(([name]) => name));
    const split = (name: string): [string, string] => {
      const dot = name.lastIndexOf('.');
      return dot < 0 ? ['', name] : [name.slice(0, dot), name.slice(dot + 1)];
    };
    const join = (owner: string, leaf: string): string => (owner ? `${owner}.${leaf}` : leaf);
    const matrixWeight = (owner: string): boolean => (parameters.get(join(owner, 'weight'))?.ndim ?? 0) >= 2;
    const batchNorm = (owner: string): boolean => buffers.has(join(owner, 'running_mean'));
    return [...parameters].filter(([name, tensor]) => {
      const [owner, leaf] = split(name);
      if (leaf === 'weight' && tensor.ndim >= 2) return true;
      if (options.biases && leaf === 'bias' && matrixWeight(owner)) return true;
      return Boolean(options.batchNorm && (leaf === 'weight' || leaf === 'bias') && batchNorm(owner));
    });
  }

  /** Moves or converts the script module in place, then re-reads its tensors (names and gradient flags kept). */
  override to(target: Device | 'float32' | 'float64'): this {
    this.script.to(target);
    this.#register();
    return this;
  }
}
