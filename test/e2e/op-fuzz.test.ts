// The full operator fuzz: every bound ATen operator called 25 times with random, mostly wrong arguments in a
// child process, which must never abort (the unit tier, test/torch/errors.test.ts, calls each 5 times).
import { test } from 'node:test';
import { checkOpFuzz } from '../helpers/op-fuzz-check.js';

test('calling every bound op 25 times with random wrong arguments never aborts the process', () => {
  checkOpFuzz(25);
});
