// Networks: modules, layers, initialisation, masks and the model registry.
export { Module } from './module.js';
export * from './layers.js';
export { chain, release, reluInPlace, type Step } from './chain.js';
export * from './init.js';
export * from './mask-set.js';
export { TorchScriptModule, type TorchScriptOptions } from './torchscript.js';
export * from './models/index.js';
