// SynFlow in float32 without under- or overflow, with the same ranking as float64.
//
// On |θ| with eval-mode batch norm, a network of convolutions, linear layers, ReLUs, pools and sums is positively
// homogeneous layer by layer. Fold each batch norm into the convolution before it (W_f = a·|W|, b_f = a·(|b| − |μ|)
// + |β| with a = |γ|/√(|σ²| + ε)); scale layer l's folded weights by c_l = 2^e_l and its bias by the product P_l of
// the scales on the way to it; scale an identity shortcut by the product of its block's scales (a convolution
// shortcut gets that product as its own scale). Then every activation is P times its unscaled value, R' = P_L·R,
// and every score |W'·∂R'/∂W'| = P_L·|W_f·∂R/∂W_f| = P_L × the SynFlow score of W: one constant for all weights,
// so the ranking is that of the exact scores. Powers of two make the scaling itself exact in floating point.
// The exponents are chosen from measured activations (mean |output| of each layer near 1), at the start and again
// whenever R' drifts (pruning shrinks the flow layer by layer); re-scaling by powers of two changes no ranking.
//
// Only structures whose dataflow is known take this path: the built-in models' classes, Sequential and the basic
// blocks, checked by constructor and forward. Anything else (a TorchScript module, a custom forward, batch norm
// not right after a convolution) gets null, and the caller scores in float64.
import { Tensor, F, isFloating, keep, noGrad, tidy, zeros, type Device } from '../../torch/index.js';
import {
  AdaptiveAvgPool2d, AvgPool2d, BasicBlock, BatchNorm1d, BatchNorm2d, CifarResNet, Conv2d, ConvBnRelu,
  Dropout, Flatten, FullyConnected, Identity, Linear, MaxPool2d, Module, ModuleList, ReLU, ResNet, Sequential,
  SmallConvNet, Vgg, chain, release, reluInPlace,
} from '../../nn/index.js';

/** Containers whose forward applies their children in registration order (checked: forward not overridden). */
const chainClasses: Function[] = [Sequential, Vgg, ConvBnRelu, CifarResNet, ResNet, FullyConnected, SmallConvNet, ModuleList];
/** Layers without parameters whose output scales with their input (positively homogeneous). */
const neutralClasses: Function[] = [ReLU, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, Flatten, Identity, Dropout];

interface Unit {
  readonly module: Conv2d | Linear;
  readonly batchNorm: BatchNorm1d | BatchNorm2d | null;
  /** The caller's data of the weight (restored at the end) and the folded bias b_f (float64). */
  original: Tensor;
  folded: Tensor;
  /** b_f·2^P in the scoring dtype; the forward adds it. */
  bias: Tensor;
  /** The batch norm's per-output-channel factor a (float64), null without one. */
  channelScale: Tensor | null;
  /** Current exponent of the weight scale; forced by the block for a convolution shortcut. */
  exponent: number;
  forced: boolean;
}

interface Block {
  readonly module: BasicBlock;
  readonly shortcut: Unit | null;
  /** 2^(exponents of the residual branch) on an identity shortcut. */
  skipScale: number;
}

export interface ScaledSynflow {
  /** Every score of the scaled network is 2^scoreExponent times the SynFlow score. */
  readonly scoreExponent: number;
  /** Chooses the exponents from a measuring forward pass on `input` (no gradients). */
  rebalance(input: Tensor): void;
  /** Puts the model's weights and forwards back. */
  restore(): void;
}

const exactlyOf = (module: Module, classes: Function[]): boolean => classes.includes(module.constructor);
const forwardIntact = (module: Module): boolean =>
  !Object.prototype.hasOwnProperty.call(module, 'forward') && module.forward === (module.constructor as { prototype: Module }).prototype.forward;

/** The leaves of the known structure in forward order, or null when some module is not one we know. */
function leavesOf(model: Module): Module[] | null {
  const leaves: Module[] = [];
  const visit = (module: Module): boolean => {
    if (!forwardIntact(module)) return false;
    // a subclass of Sequential that keeps its forward (a model defined as a list of layers) is a chain too
    const sequential = module instanceof Sequential && module.forward === Sequential.prototype.forward;
    if (sequential || exactlyOf(module, chainClasses) || module instanceof BasicBlock) {
      if (module instanceof BasicBlock) {
        if (!exactlyOf(module, [BasicBlock])) return false;
        leaves.push(module);
      }
      return module.children().every(([, child]) => visit(child));
    }
    if (exactlyOf(module, [Conv2d, Linear, BatchNorm1d, BatchNorm2d, ...neutralClasses])) {
      leaves.push(module);
      return true;
    }
    return false;
  };
  return visit(model) ? leaves : null;
}

export interface FoldedBatchNorm {
  /** a per output channel (float64, shaped to broadcast over the weight) for a weight whose batch norm was folded. */
  channelScale(weight: Tensor): Tensor | null;
  /** Puts the model's weights and forwards back. */
  restore(): void;
}

/**
 * Eval-mode batch norm folded into the convolution before it, signed (W_f = a·W, b_f = a·(b − μ) + β with
 * a = γ/√(σ² + ε)), for the scorers that take gradients on data (SNIP, GraSP): the network computes the same
 * function without its batch-norm passes forward and backward (and, for GraSP, their double backward). With
 * W_f = a ⊙ W, ∂L/∂W = a ⊙ ∂L/∂W_f, so W ⊙ ∂L/∂W = W_f ⊙ ∂L/∂W_f. Null where scaleForSynflow would refuse.
 */
export function foldBatchNorm(model: Module): FoldedBatchNorm | null {
  const dtype = model.parameters()[0]?.dtype;
  if (dtype !== 'float32' && dtype !== 'float64') return null;
  const folded = scaleForSynflow(model, dtype, false);
  return folded && { channelScale: folded.channelScale, restore: folded.restore };
}

/**
 * Swaps the model's conv/linear weights for scaled, batch-norm-folded float32 copies and overrides the forwards of
 * those layers, their batch norms (identity) and the residual blocks. Null when the model's structure is not known
 * or it carries floating tensors the folding does not account for; the model is then untouched. absolute false:
 * the signed fold of foldBatchNorm, never re-scaled.
 */
export function scaleForSynflow(model: Module, dtype: 'float32' | 'float64' = 'float32', absolute = true):
  (ScaledSynflow & Pick<FoldedBatchNorm, 'channelScale'>) | null {
  if (model.training) return null;
  const leaves = leavesOf(model);
  if (!leaves) return null;
  // pair every batch norm with the conv/linear layer right before it
  const units: Unit[] = [];
  const blocks: Block[] = [];
  const accounted = new Set<Tensor>();
  for (let index = 0; index < leaves.length; index++) {
    const leaf = leaves[index];
    if (leaf instanceof BatchNorm1d || leaf instanceof BatchNorm2d) {
      const last = units[units.length - 1];
      if (!last || leaves[index - 1] !== last.module || last.batchNorm) return null;
      (last as { batchNorm: Unit['batchNorm'] }).batchNorm = leaf;
      continue;
    }
    if (leaf instanceof Conv2d || leaf instanceof Linear) {
      units.push({ module: leaf, batchNorm: null } as Unit);
    }
  }
  for (const unit of units) {
    for (const module of [unit.module, unit.batchNorm]) {
      if (!module) continue;
      for (const [, tensor] of [...module.namedParameters(), ...module.namedBuffers()]) accounted.add(tensor);
    }
  }
  const floating = [...model.parameters(), ...model.namedBuffers().map(([, buffer]) => buffer)].filter((t) => isFloating(t.dtype));
  if (floating.some((tensor) => !accounted.has(tensor))) return null;
  if (units.some(({ module }) => module.weight.device !== units[0].module.weight.device)) return null;
  if (units.length === 0) return null;
  const magnitude = (tensor: Tensor): Tensor => (absolute ? tensor.abs() : tensor).to('float64');

  // fold (in float64), then hand the layers float32 copies
  for (const unit of units) {
    const { module, batchNorm } = unit;
    tidy(() => noGrad(() => {
      const weight = magnitude(module.weight.detach());
      const outChannels = weight.size(0);
      const shape = [outChannels, ...new Array(weight.ndim - 1).fill(1)];
      let folded = weight;
      let bias = module.bias ? magnitude(module.bias.detach()) : null;
      if (batchNorm) {
        const eps = batchNorm.options.eps ?? 1e-5;
        const variance = batchNorm.runningVar.abs().to('float64');
        let a = variance.add(eps).rsqrt();
        if (batchNorm.weight) a = a.mul(magnitude(batchNorm.weight.detach()));
        folded = weight.mul(a.view(shape));
        unit.channelScale = keep(a.view(shape));
        let shift = magnitude(batchNorm.runningMean).neg();
        if (bias) shift = shift.add(bias);
        bias = shift.mul(a);
        if (batchNorm.bias) bias = bias.add(magnitude(batchNorm.bias.detach()));
      } else {
        unit.channelScale = null;
      }
      unit.original = keep(module.weight.detach());
      unit.folded = keep(bias ?? zeros([outChannels], { dtype: 'float64', device: weight.device as Device }));
      unit.bias = keep(unit.folded.to(dtype));
      module.weight.setData_(folded.to(dtype));
      unit.exponent = 0;
      unit.forced = false;
    }));
  }

  let measuring = false;
  let exponent = 0; // running P while measuring
  const unitOf = new Map<Module, Unit>(units.map((unit) => [unit.module, unit]));

  const setExponent = (unit: Unit, next: number, pathExponent: number): void => noGrad(() => {
    if (next !== unit.exponent) unit.module.weight.mul_(2 ** (next - unit.exponent));
    unit.exponent = next;
    tidy(() => unit.bias.copy_(unit.folded.mul(2 ** pathExponent)));
  });

  const applyUnit = (unit: Unit, input: Tensor): Tensor => {
    const { module } = unit;
    const run = () => module instanceof Conv2d
      ? F.conv2d(input, module.weight, { bias: unit.bias, ...module.options })
      : F.linear(input, module.weight, unit.bias);
    if (!measuring) return run();
    // measuring: bring this layer's mean |output| near 1 (or take the block's forced exponent), then recompute
    const inputExponent = exponent;
    if (!unit.forced) {
      const level = tidy(() => { const probe = run(); const mean = probe.abs().mean().item(); probe.dispose(); return mean; });
      const step = level > 0 && Number.isFinite(level) ? -Math.round(Math.log2(level)) : 0;
      setExponent(unit, unit.exponent + step, inputExponent + unit.exponent + step);
    }
    exponent = inputExponent + unit.exponent;
    return run();
  };

  const restoreForwards: (() => void)[] = [];
  const override = (module: Module, forward: (input: Tensor) => Tensor): void => {
    Object.defineProperty(module, 'forward', { value: forward, configurable: true, writable: true });
    restoreForwards.push(() => { delete (module as { forward?: unknown }).forward; });
  };
  for (const unit of units) {
    override(unit.module, (input) => applyUnit(unit, input));
    if (unit.batchNorm) override(unit.batchNorm, (input) => input);
  }
  // Puts back every overridden forward and the original weights, and frees the folded copies.
  const restore = (): void => {
    restoreForwards.forEach((undo) => undo());
    for (const unit of units) {
      unit.module.weight.setData_(unit.original);
      for (const tensor of [unit.original, unit.folded, unit.bias, unit.channelScale]) tensor?.dispose();
    }
  };
  for (const leaf of leaves) {
    if (!(leaf instanceof BasicBlock)) continue;
    const shortcutModule = leaf.shortcut;
    const shortcutUnit = shortcutModule ? unitOf.get(shortcutModule.layers[0]) ?? null : null;
    if (shortcutModule && (!shortcutUnit || shortcutModule.layers.length !== 2 || shortcutUnit.batchNorm !== shortcutModule.layers[1])) {
      restore();
      return null;
    }
    if (shortcutUnit) shortcutUnit.forced = true;
    const block: Block = { module: leaf, shortcut: shortcutUnit, skipScale: 1 };
    blocks.push(block);
    override(leaf, (input) => {
      const entry = exponent;
      const residual = chain(input, leaf.conv1, leaf.bn1, reluInPlace, leaf.conv2, leaf.bn2);
      const branch = exponent - entry;
      let shortcut: Tensor;
      if (shortcutUnit) {
        if (measuring) {
          exponent = entry;
          setExponent(shortcutUnit, branch, entry + branch);
        }
        shortcut = shortcutModule!.forward(input);
      } else {
        if (measuring) block.skipScale = 2 ** branch;
        shortcut = block.skipScale === 1 ? input : input.mul(block.skipScale);
      }
      exponent = entry + branch;
      const sum = residual.add(shortcut);
      release(residual);
      if (shortcut !== input) release(shortcut);
      return sum.relu_();
    });
  }

  let scoreExponent = 0;
  const byWeight = new Map<Tensor, Unit>(units.map((unit) => [unit.module.weight, unit]));
  return {
    get scoreExponent() { return scoreExponent; },
    channelScale: (weight: Tensor): Tensor | null => byWeight.get(weight)?.channelScale ?? null,
    rebalance(input: Tensor): void {
      if (!absolute) throw new Error('scaleForSynflow: a signed fold is not re-scaled');
      measuring = true;
      exponent = 0;
      try {
        tidy(() => noGrad(() => { model.forward(input); }));
        scoreExponent = exponent;
      } finally {
        measuring = false;
      }
    },
    restore,
  };
}
