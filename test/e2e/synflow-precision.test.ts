// SynFlow's scaled float32 against float64 on a VGG-11 (9.2M weights, 10 pruning iterations in each precision):
// the big-model case of the check test/pruning/scorers.test.ts runs on a small conv net and a ResNet-20.
import { test } from 'node:test';
import { createModel } from '../../src/nn/index.js';
import { randomizeAllBatchNorm, scaledSynflowMatchesFloat64 } from '../pruning/helpers.js';

test('float32 (batch norm folded, layers scaled) equals float64 on a VGG-11, and prunes to the same masks', () =>
  scaledSynflowMatchesFloat64(() => {
    const model = createModel('vgg11', { inputShape: [3, 16, 16], numClasses: 5 });
    randomizeAllBatchNorm(model);
    return model;
  }));
