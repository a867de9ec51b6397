// The tensor API: everything above torch/ imports from here.
export { Tensor, where, type Scalar, type TensorOrScalar, type ValuesIndices } from './tensor.js';
export * from './creation.js';
export * from './autograd.js';
export * from './runtime.js';
export * from './serialize.js';
export {
  survivorTopK, zeroWhere_, absMul_, replaceMasks_, kernelPath, sums, type SurvivorTopK, type TopKOptions, type KernelPath,
} from './kernels.js';
export { weightedSampleMasks } from './kernels.js';
export * as collectives from './collectives.js';
export { tidy, keep, dispose } from './scope.js';
export { foreachAdd, foreachAdd_, foreachMul_ } from './foreach.js';
export { type DType, type Device, isFloating } from './dtype.js';
export * as F from './functional.js';
export { ScriptModule } from './jit.js';
export { TorchError } from './errors.js';
