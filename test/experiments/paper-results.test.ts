import { test } from 'node:test';
import assert from 'node:assert/strict';
import { availableScales, loadExperiment, presetNames, readConfigFile, resolveExperimentFile } from '../../src/experiments/index.js';
import { paperResultFor, paperResults } from '../../src/experiments/paper-results.js';

test('paper results: every cell of Tables 1-4 once, with n = 3', () => {
  const count = (table: string) => paperResults.filter((r) => r.table === table).length;
  assert.deepEqual(['Table 1', 'Table 2', 'Table 3', 'Table 4'].map(count), [8 * 12, 8 * 12, 2 * 6, 12]);
  const keys = paperResults.map((r) => `${r.dataset}|${r.model}|${r.density}|${r.method}`);
  assert.equal(new Set(keys).size, keys.length, 'no cell twice');
  assert.ok(paperResults.every((r) => r.n === 3 && r.mean > 0 && r.mean <= 100 && (r.std === null || r.std >= 0)));
});

test('paper results: Table 4 second row (typed here from the paper) equals Table 1 last column', () => {
  const table4 = {
    cifar10: { vgg19: [93.16, 0.36, 92.79, 0.78, 92.03, 0.91], resnet20: [87.02, 0.65, 83.72, 0.73, 79.39, 0.49] },
    cifar100: { vgg19: [72.49, 0.33, 71.51, 0.45, 53.05, 15.38], resnet20: [67.52, 0.10, 62.68, 0.32, 51.76, 0.36] },
  } as const;
  for (const [dataset, models] of Object.entries(table4)) {
    for (const [model, values] of Object.entries(models)) {
      [0.1, 0.05, 0.02].forEach((density, k) => {
        const r = paperResults.find((p) => p.table === 'Table 1' && p.dataset === dataset && p.model === model && p.density === density && p.method === 'SNIP + sparse data + rand. mask')!;
        assert.deepEqual([r.mean, r.std], [values[2 * k], values[2 * k + 1]], `${dataset} ${model} ${density}`);
      });
    }
  }
});

test('paper results: method labels and full-scale settings are the ones the presets produce', () => {
  const labels = new Set(presetNames().flatMap((name) => {
    const file = resolveExperimentFile(name);
    const offered = availableScales(readConfigFile(file) as Record<string, unknown>).filter((scale) => scale !== 'quick');
    return offered.flatMap((scale) => loadExperiment(file, scale).runs.map((r) => r.method));
  }));
  for (const method of new Set(paperResults.map((r) => r.method))) assert.ok(labels.has(method), `paper method '${method}' is a preset label`);
  // At full scale, every paper cell of Tables 1, 3 and 4 has an exactly matching planned run.
  for (const [table, preset] of [['Table 1', 'table1'], ['Table 3', 'table3'], ['Table 4', 'table4']] as const) {
    const runs = loadExperiment(resolveExperimentFile(preset), 'full').runs;
    for (const r of paperResults.filter((p) => p.table === table)) {
      assert.ok(runs.some((run) => run.spec.dataset === r.dataset && run.spec.model === r.model && run.spec.density === r.density && run.method === r.method),
        `${table} ${r.dataset} ${r.model} ${r.density} ${r.method} has a ${preset} --scale full run`);
    }
  }
});

test('paperResultFor: exact setting, else the preset reference setting, else nothing', () => {
  const exact = paperResultFor('table1', { dataset: 'cifar100', model: 'resnet20', density: 0.02, method: 'SynFlow + rand. mask' })!;
  assert.deepEqual([exact.exact, exact.result.mean, exact.result.std], [true, 24.89, 0.75]);
  const reference = paperResultFor('demo', { dataset: 'fashion-mnist', model: 'lenet300', density: 0.05, method: 'SynFlow + χ' })!;
  assert.deepEqual([reference.exact, reference.result.model, reference.result.dataset, reference.result.mean], [false, 'vgg19', 'cifar10', 92.52]);
  assert.equal(paperResultFor('my-experiment', { dataset: 'fashion-mnist', model: 'lenet300', density: 0.05, method: 'SynFlow' }), undefined);
  assert.equal(paperResultFor('demo', { dataset: 'fashion-mnist', model: 'lenet300', density: 0.3, method: 'SynFlow' }), undefined);
});
