// Every preset at full scale uses the paper's setup. The table below is written from the paper (Section 8 and
// its Tables 1–4, Figures 1–2), not from the presets: models, datasets, densities, seeds, training recipe, the
// methods of each table, IMP's rewind points; and, where the paper is silent, the authors' OpenLTH fork (IMP's
// per-group fractions) as DESIGN.md §8 says. A preset that is not a paper experiment has no full scale, and asking
// for a scale a preset lacks is an error, never the cpu runs. `run table2 --dry-run`: test/e2e/presets-cli.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadExperiment, presetNames, readConfigFile, resolveExperimentFile, scales, availableScales } from '../../src/experiments/index.js';
import type { PlannedRun } from '../../src/experiments/index.js';

/** "We employ SGD with momentum, batch size 128, and learning rate 0.1 multiplied by 0.1 after epoch 80 and 120.
 *  We train the models for 160 epochs with weight decay 10^-4." */
const recipe = { epochs: 160, batchSize: 128, lr: 0.1, momentum: 0.9, weightDecay: 1e-4, milestones: [80, 120], gamma: 0.1 };
const densities = [0.1, 0.05, 0.02];
const seeds = [0, 1, 2]; // "All the results include the average and standard deviation of 3 different seeds."
const cifar = ['cifar10', 'cifar100'];
const authorsFractions = { fc: 0.2, conv: 0.1, output: 0.1 }; // NogaBar/open_lth defaults per round

interface PaperExperiment {
  models: string[];
  datasets: string[];
  densities?: number[];
  seeds?: number[];
  /** Training after pruning (null: masks only, no training). */
  recipe: typeof recipe | null;
  methods: string[];
  /** IMP's rewind point ("iterations of warmup") per model/dataset. */
  impRewind?: Record<string, number>;
  impFractions?: typeof authorsFractions;
}

const paper: Record<string, PaperExperiment | 'not in the paper'> = {
  // The demo is Table 1's SynFlow columns.
  demo: { models: ['vgg19', 'resnet20'], datasets: cifar, recipe, methods: ['SynFlow', 'SynFlow + χ', 'SynFlow + rand. mask', 'SynFlow + rand. mask + χ'] },
  table1: {
    models: ['vgg19', 'resnet20'], datasets: cifar, recipe,
    methods: ['SynFlow', 'SynFlow + χ', 'SynFlow + rand. mask', 'SynFlow + rand. mask + χ', 'SNIP + normal data',
      'SNIP + normal data + rand. mask', 'SNIP + sparse data', 'SNIP + sparse data + rand. mask'],
  },
  table2: {
    models: ['vgg19', 'resnet20'], datasets: cifar, recipe,
    methods: ['Random', 'Magnitude', 'GraSP (supervised)', 'GraSP + normal data', 'GraSP + normal data + rand. mask',
      'IMP (supervised)', 'IMP + rand. data', 'IMP + rand. data + rand. mask'],
    // "1000 iterations of warmup for VGG-19 and 2000 iterations for ResNet-20 with CIFAR-10 and 6000 for CIFAR-100"
    impRewind: { 'vgg19/cifar10': 1000, 'vgg19/cifar100': 1000, 'resnet20/cifar10': 2000, 'resnet20/cifar100': 6000 },
    impFractions: authorsFractions,
  },
  // Tiny-ImageNet with "a modified version of ResNet-18 and WideResNet-18"; the one recipe the paper states.
  table3: { models: ['resnet18', 'wrn18'], datasets: ['tiny-imagenet'], recipe, methods: ['SynFlow', 'SynFlow + rand. mask'] },
  table4: { models: ['vgg19', 'resnet20'], datasets: cifar, recipe, methods: ['SNIP (supervised)', 'SNIP + sparse data + rand. mask'] },
  // Figure 1: "VGG-19 and CIFAR-10", weights at initialization (no density stated).
  figure1: { models: ['vgg19'], datasets: ['cifar10'], densities: [], seeds: [0], recipe: null, methods: ['Random', 'SynFlow', 'SynFlow + rand. mask', 'IMP (supervised)'] },
  // Figure 2: "Fashion-MNIST and a fully connected NN", "10,000 random masks with 1.2% density".
  figure2: { models: ['lenet300'], datasets: ['fashion-mnist'], densities: [0.012], recipe: null, methods: ['IMP (supervised)'], impFractions: authorsFractions },
  'sketch-ablation': 'not in the paper',
};

const unique = <T>(values: T[]): T[] => [...new Set(values)];
const sorted = <T>(values: T[]): T[] => [...values].sort();

test('every preset has an entry in the paper table (a new preset must say what it reproduces)', () => {
  assert.deepEqual(sorted(presetNames()), sorted(Object.keys(paper)));
});

for (const name of Object.keys(paper)) {
  const expected = paper[name]!;
  if (expected === 'not in the paper') {
    test(`${name}: not a paper experiment, so no full scale (asking for it is an error)`, () => {
      assert.throws(() => loadExperiment(resolveExperimentFile(name), 'full'),
        (error: Error) => error instanceof ConfigError && /no 'full' scale/.test(error.message));
    });
    continue;
  }
  test(`${name} at full scale: the paper's models, datasets, densities, seeds, recipe and methods`, () => {
    const experiment = loadExperiment(resolveExperimentFile(name), 'full');
    const runs = experiment.runs;
    assert.deepEqual(sorted(unique(runs.map((r) => r.spec.model))), sorted(expected.models));
    assert.deepEqual(sorted(unique(runs.map((r) => r.spec.dataset))), sorted(expected.datasets));
    if (expected.densities === undefined || expected.densities.length > 0) {
      assert.deepEqual(sorted(unique(runs.map((r) => r.spec.density))), sorted(expected.densities ?? densities));
    }
    assert.deepEqual(sorted(unique(runs.map((r) => r.spec.seed))), sorted(expected.seeds ?? seeds));
    assert.deepEqual(sorted(unique(runs.map((r) => r.method))), sorted(expected.methods));
    // the whole grid: every model × dataset × method × density × seed once
    const cells = expected.models.length * expected.datasets.length * expected.methods.length
      * (expected.densities?.length || (expected.densities ? 1 : densities.length)) * (expected.seeds ?? seeds).length;
    assert.equal(runs.length, cells);
    for (const run of runs) {
      const t = run.spec.train;
      if (expected.recipe === null) {
        assert.equal(t.epochs, 0, `${run.name}: masks only`);
      } else {
        assert.deepEqual({ epochs: t.epochs, batchSize: t.batchSize, lr: t.lr, momentum: t.momentum, weightDecay: t.weightDecay, milestones: t.milestones, gamma: t.gamma },
          expected.recipe, run.name);
        assert.equal(t.maxStepsPerEpoch, 0, `${run.name}: whole epochs`);
        assert.equal(run.spec.data.trainSubset, 0, `${run.name}: the whole training set`);
        assert.equal(run.spec.data.testSubset, 0, `${run.name}: the whole test set`);
      }
      checkPruning(run, expected);
    }
  });
}

function checkPruning(run: PlannedRun, expected: PaperExperiment): void {
  const p = run.spec.pruning;
  // "We found the SynFlow mask using 100 iterations. We employ SNIP and GraSP with batch size of 256."
  if (p.method === 'synflow') assert.ok(p.iterations === 0 || p.iterations === 100, `${run.name}: SynFlow iterations ${p.iterations}`);
  if (p.method === 'snip' || p.method === 'grasp') assert.equal(p.batchSize, 256, run.name);
  // χ: "ℓ2 norms of a vector with normally distributed variables and dimension n = 128"
  if (p.input === 'chi') assert.equal(p.chiDimension, 128, run.name);
  // the readings of the randomization the presets use are the default ones
  assert.deepEqual([p.replacement, p.maskValues, p.selectionAt, p.keepRule], [false, 'binary', 'every', 'round'], run.name);
  if (p.method !== 'imp') return;
  if (expected.impRewind) assert.equal(p.impRewindIterations, expected.impRewind[`${run.spec.model}/${run.spec.dataset}`], `${run.name}: rewind point`);
  if (expected.impFractions) assert.deepEqual(p.imp.fractions, expected.impFractions, `${run.name}: per-group fractions`);
  if (expected.recipe) assert.equal(p.impEpochsPerLevel === 0 ? run.spec.train.epochs : p.impEpochsPerLevel, expected.recipe.epochs, `${run.name}: IMP rounds train like the final run`);
  if (p.input !== 'auto' && p.input !== 'real') assert.equal(p.imp.randomData, 'fixed', `${run.name}: the fork's fixed random dataset`);
}

test('a scale a preset lacks is an error naming the scales it has, never a fallback to the cpu runs', () => {
  for (const name of presetNames()) {
    const offered = availableScales(readConfigFile(resolveExperimentFile(name)) as Record<string, unknown>);
    assert.ok(offered.includes('cpu'));
    for (const scale of scales.filter((s) => !offered.includes(s))) {
      assert.throws(() => loadExperiment(resolveExperimentFile(name), scale), (error: Error) =>
        error instanceof ConfigError && error.message.includes(`no '${scale}' scale: this experiment has ${offered.join(', ')}`), `${name} ${scale}`);
    }
  }
  assert.deepEqual(availableScales({ name: 'x', scales: { full: {} } }), ['cpu', 'full']);
});
