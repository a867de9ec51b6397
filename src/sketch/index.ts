// The sketching theory of the paper (linear features): Algorithm 1, Eq. (2), exact errors, the paper's bounds,
// Monte Carlo checks, the SynFlow/SNIP equivalences, the statement checker and the mask comparison.
export * from './validate.js';
export * from './stats.js';
export * from './probabilities.js';
export * from './algorithm1.js';
export * from './error.js';
export * from './montecarlo.js';
export * from './bounds.js';
export * from './gaussian.js';
export * from './equivalences.js';
export * from './scenarios.js';
export * from './judge.js';
export * from './ntk.js';
export { verifySketchTheory, type VerifyOptions, type VerifyReport, type StatementSummary, type Setting,
  type PerformanceNote } from './verify.js';
export { compareMasks, MASK_METHODS, type MaskMethod, type CompareOptions, type CompareReport, type CompareSeries, type SeriesPoint } from './compare.js';
