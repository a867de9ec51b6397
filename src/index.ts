// sketchprune's public API, one namespace per layer (see DESIGN.md §1).
export * as torch from './torch/index.js';
export * as nn from './nn/index.js';
export * as data from './data/index.js';
export * as optim from './optim/index.js';
export * as distributed from './distributed/index.js';
export * as train from './train/index.js';
export * as sketch from './sketch/index.js';
export * as pruning from './pruning/index.js';
export * as experiments from './experiments/index.js';
export * as report from './report/index.js';
