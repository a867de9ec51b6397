// `sketchprune prune`: prunes a registry model (or the user's own TorchScript network) at initialization and saves
// the masks with their record.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { checkDevice, manualSeed, savePt, setNumThreads, type Device } from '../torch/index.js';
import { TorchScriptModule, createModel, type MaskSet, type Module } from '../nn/index.js';
import { datasetShape, openRunData, type DataDescription, type RunData } from '../train/index.js';
import {
  canonicalInputSource, collapseWarning, defaultSelection, figure1Data, findMethod, findSelection, formatDensityTable, keepRules, maskValueKinds, randomMaskDefaults, listMethods, listSelections, loadMasks, prune,
  saveMasks, scheduleNames, scopeNames, selectionNames, type Figure1Data, type MethodEntry, type Precision, type PruneOptions,
  type PruneProgress, type RandomMaskOptions, type ScheduleName, type Scope,
} from '../pruning/index.js';
import { inputSourceKinds } from '../data/index.js';
import { aliasNote, methodLines, perMethod, scoringMethods, selectionLines } from './method-facts.js';
import { histogramOverlay } from '../report/index.js';
import { type JsonOutput, withJsonOutput } from './json-output.js';
import { runsPath } from './paths.js';
import { ensureDirectory } from '../foundations/directories.js';
import { UsageError, choice, deviceName, integer, number, threadCount, usageExit } from './args.js';

const help = (): string => {
  const scoring = scoringMethods();
  const withInput = scoring.filter((entry) => entry.needs !== 'none');
  const withPrecision = scoring.filter((entry) => entry.precisions);
  return `Usage: sketchprune prune --model NAME --method METHOD --density D [options]
       sketchprune prune --torchscript FILE --input-shape C,H,W --method METHOD --density D [options]

Prunes a freshly initialized model (seeded) and writes the masks as safetensors, with the pruning record
(method, options, seed, per-layer density, timing) as metadata. Prints the per-layer density table.

Required:
  --model NAME            registry model (lenet300, fc, conv2/4/6, vgg11..19, resnet20..56, wrn20-W, resnet18, wrn18-k)
  --torchscript FILE      or your own PyTorch network, saved with torch.jit.script(model).save(FILE) or
                          torch.jit.trace(model, example).save(FILE); its weights are the initialization (--seed
                          seeds only the pruning). Masks are keyed by its named_parameters() names; prunable by
                          default: every parameter named 'weight' with 2 or more dimensions (conv, linear)
  --input-shape C,H,W     one example's shape, for --torchscript (or give --dataset); the class count comes
                          from one forward pass on zeros unless --classes N is given
  --method METHOD         ${scoring.map((entry) => entry.name).join(', ')} (see Methods below)
  --density D             kept fraction in (0, 1]; or instead:
  --compression X         density 10^-X (Synaptic-Flow's convention: 1, 1.301, 1.699 = 10 %, 5 %, 2 %)
  --sparsity S            pruned fraction in [0, 1)

Pruning:
  --dataset NAME          fashion-mnist, mnist, cifar10, cifar100 or tiny-imagenet: input shape, classes, and
                          the data for --input real (default: the model's usual shape, no data)
  --selection MODE        ${selectionNames().join(', ')} (default ${defaultSelection}; see Selections below)
  --scope SCOPE           ${scopeNames.join(' or ')} (default ${perMethod(scoring, (entry) => entry.defaults.scope, true)})
  --iterations K          pruning iterations (default: ${perMethod(scoring, (entry) => entry.defaults.iterations, true)})
  --schedule KIND         ${scheduleNames.join(' or ')} density schedule over the iterations (default exponential)
  --selection-at WHEN     every or final: where a randomized selection acts in iterative pruning (default every)
  --replacement           sketch-random: draw each layer's count with replacement (Algorithm 1's draws; fewer
                          distinct weights kept) instead of without
  --mask-values KIND      sketch-random: binary (default) or scaled (Algorithm 1's (draws)/(count·p_i))
  --keep-rule RULE        round (default: exactly round(d·N) kept) or synaptic-flow (⌊(1−d)·N⌋ pruned and every
                          score tied with the threshold: Synaptic-Flow's masks, exactly)
  --input SOURCE          ${inputSourceKinds.join(', ')} (default: ${perMethod(withInput, (entry) => entry.defaults.input!.source)};
                          real needs --dataset); synthetic sources come with random labels; ${aliasNote()}
  --batch-size N          examples per scoring batch (default: ${perMethod(withInput, (entry) => entry.defaults.input!.batchSize)})
  --batches N             batches per scoring pass (default: ${perMethod(withInput, (entry) => entry.defaults.input!.batches, true)})
  --temperature T         grasp's logit temperature (default 200)
  --precision P           the arithmetic, for ${withPrecision.map((entry) => entry.name).join(', ')}: ${perMethod(withPrecision, (entry) => entry.precisions!.join(' or '))}
                          (default: ${perMethod(withPrecision, (entry) => entry.precisions![0])}; synflow's float32: layers scaled so nothing under- or
                          overflows, same ranking as float64; float64 where the model's structure is unknown)
  --prune-biases          also prune conv/linear biases
  --prune-batchnorm       also prune batch-norm weights and biases
  --train-mode            batch norm in train mode while scoring (default eval)
  --width W               wrn20/wrn18 width

Output:
  --seed S                seed of the initialization and of the pruning's randomness (default 0)
  --out FILE              masks file (default runs/masks/MODEL-METHOD-SELECTION-dD-sS.safetensors)
  --pt                    also write FILE.pt, a {parameter name: mask} dict that torch.load reads
                          (torch.bool for 0/1 masks; python/apply_masks.py applies it to a PyTorch model)
  --save-init             also write FILE.init.pt: the model's initial weights (a state dict that torch.load
                          reads), so the masks can be trained from the same initialization in PyTorch
  --figures DIR           Figure 1 data (JSON) and plots (SVG, PNG): kept-weight histograms vs a uniform mask,
                          and scores of 1000 random weights kept with and without randomization
  --compare LABEL=FILE    another mask (e.g. IMP's) for the weight histogram; repeatable
  --data-dir DIR          dataset directory (default: standard locations, see sketchprune datasets)
  --device DEVICE         cpu, cuda or cuda:N: where the model, scores and masks live (default cpu; cuda needs
                          the addon built against a CUDA libtorch, see README "CUDA")
  --threads N             torch CPU threads (default: all cores)
  --json                  print the mask files, the pruning record (per-layer density, timing) and the figure
                          files as JSON on stdout (messages go to stderr)
  -h, --help              this text

Methods (defaults, then what they score):
${methodLines().join('\n')}

Selections:
${selectionLines().join('\n')}

Example (SynFlow, 100 iterations, randomized mask, VGG-19 on CIFAR-10 at 5 %):
  sketchprune prune --model vgg19 --dataset cifar10 --method synflow --compression 1.301 --selection sketch-random`;
};


export async function run(argv: string[]): Promise<number> {
  return withJsonOutput(argv, (json) => pruneCommand(argv, json).catch((error: unknown) => usageExit('prune', error)));
}

async function pruneCommand(argv: string[], json: JsonOutput): Promise<number> {
  const parsed = parse(argv);
  if (parsed === 'help') { console.log(help()); return 0; }
  const { values, options, out } = parsed;
  if (values.threads !== undefined) setNumThreads(threadCount('--threads', values.threads));
  const device = deviceName('--device', values.device!);
  checkDevice(device, '--device'); // before any work: a CPU-only build refuses cuda here

  const dataset = values.dataset ? datasetShape(values.dataset) : null;
  manualSeed(options.seed!);
  const model = values.torchscript !== undefined ? loadTorchScript(values, dataset) : createModel(values.model!, {
    ...(dataset ? { inputShape: dataset.inputShape, numClasses: dataset.numClasses } : {}),
    ...(values.width !== undefined ? { width: integer('--width', values.width, 1) } : {}),
  });
  const modelName = values.model ?? path.basename(values.torchscript!);
  if (device !== 'cpu') model.to(device); // scores, masks and synthetic inputs follow the model's device
  const entry = findMethod(options.method);
  const scoring = scoringData(values, options, device);
  let data: RunData | null = null;
  if (scoring) {
    console.log(`loading ${dataset!.name} (train split) for scoring batches …`);
    data = openRunData(scoring);
    // a registry dataset through its loader (the record says 'real'); the synthetic task's batches as a source
    options.input = { ...options.input, ...(data.pruningLoader ? { source: 'real', loader: data.pruningLoader } : { source: data.pruningSource() }) };
  }
  const total = model.namedParameters().length;
  console.log(`pruning ${modelName} (${model.parameterCount().toLocaleString('en-US')} parameters in ${total} tensors) with ` +
    `${options.method}, ${options.selection} selection, ${options.scope} scope, to density ${describeDensity(options)} on ${device}` +
    (entry.needs !== 'none' ? `, input ${options.input?.source ?? entry.defaults.input?.source}` : ''));
  options.onProgress = progressPrinter();
  options.keepScores = values.figures !== undefined;
  const result = await prune(model, options);
  console.log(formatDensityTable(result.record));
  const files = saveMasks(result.masks, result.record, out, { pt: values.pt });
  const seconds = (result.record.timing.totalMs / 1000).toFixed(2);
  console.log(`${result.record.kept.toLocaleString('en-US')} of ${result.record.total.toLocaleString('en-US')} prunable weights kept ` +
    `(${(100 * result.record.density).toFixed(3)} %) in ${seconds} s` +
    (result.record.sketchBudget !== undefined ? `; Algorithm 1 drew s = ${result.record.sketchBudget}` : ''));
  console.log(`masks: ${files.join(' and ')}`);
  const collapse = collapseWarning(result.record);
  if (collapse) console.error(collapse);
  if (values['save-init']) {
    savePt(initFile(out), model.stateDict());
    console.log(`initial weights: ${initFile(out)}`);
  }
  const figures = values.figures === undefined ? null : await writeFigures(modelName, model, result, options, values.figures, values.compare ?? []);
  json.emit({ model: modelName, masks: files.map((file) => path.resolve(file)), record: result.record, figures,
    ...(values['save-init'] ? { init: path.resolve(initFile(out)) } : {}) });
  result.masks.dispose();
  for (const score of result.scores?.values() ?? []) score.dispose();
  data?.dispose();
  return 0;
}

/** What `sketchprune prune ARGS` loads: the data pipeline's description (null: no data), or 'help'. */
export function pruneData(argv: string[]): DataDescription | null | 'help' {
  const parsed = parse(argv);
  return parsed === 'help' ? parsed : scoringData(parsed.values, parsed.options, deviceName('--device', parsed.values.device!));
}

/**
 * The data pipeline's description for the scorer's real inputs (--input real, or the default of snip, grasp and
 * ntk-sketch with --dataset): the --dataset training split in batches of --batch-size (default 256), in an order
 * from --seed. Null when the scorer reads synthetic inputs or none.
 */
function scoringData(values: { input?: string; dataset?: string; 'data-dir'?: string; 'batch-size'?: string },
  options: PruneOptions, device: Device): DataDescription | null {
  const entry = findMethod(options.method);
  const input = values.input === undefined ? undefined : canonicalInputSource(values.input);
  const wantsReal = input === 'real' || (input === undefined && entry.defaults.input?.source === 'real' && values.dataset);
  if (!wantsReal) return null;
  if (!values.dataset) throw new UsageError('--input real needs --dataset');
  return {
    dataset: values.dataset, root: values['data-dir'] ?? null, seed: options.seed!, device,
    pruning: { input: 'real', batchSize: values['batch-size'] ? integer('--batch-size', values['batch-size'], 1) : entry.defaults.input?.batchSize ?? 256, seed: options.seed! },
  };
}

function parse(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true, strict: true,
    options: {
      model: { type: 'string' }, torchscript: { type: 'string' }, 'input-shape': { type: 'string' },
      classes: { type: 'string' }, 'save-init': { type: 'boolean', default: false }, dataset: { type: 'string' }, method: { type: 'string' }, density: { type: 'string' },
      compression: { type: 'string' }, sparsity: { type: 'string' }, selection: { type: 'string' },
      scope: { type: 'string' }, iterations: { type: 'string' }, schedule: { type: 'string', default: 'exponential' },
      'selection-at': { type: 'string', default: 'every' }, input: { type: 'string' }, 'batch-size': { type: 'string' },
      replacement: { type: 'boolean', default: randomMaskDefaults.replacement }, 'mask-values': { type: 'string', default: randomMaskDefaults.values },
      'keep-rule': { type: 'string', default: 'round' },
      batches: { type: 'string' }, temperature: { type: 'string' }, precision: { type: 'string' }, 'prune-biases': { type: 'boolean', default: false },
      'prune-batchnorm': { type: 'boolean', default: false }, 'train-mode': { type: 'boolean', default: false },
      width: { type: 'string' }, seed: { type: 'string', default: '0' }, out: { type: 'string' }, pt: { type: 'boolean', default: false },
      figures: { type: 'string' }, compare: { type: 'string', multiple: true }, 'data-dir': { type: 'string' },
      threads: { type: 'string' }, device: { type: 'string', default: 'cpu' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return 'help' as const;
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  if (values.model !== undefined && values.torchscript !== undefined) throw new UsageError('give --model or --torchscript, not both');
  if (values.model === undefined && values.torchscript === undefined) throw new UsageError('--model is required (or --torchscript FILE for your own network)');
  if (values.method === undefined) throw new UsageError('--method is required');
  if (values.torchscript === undefined) {
    for (const flag of ['input-shape', 'classes'] as const) {
      if (values[flag] !== undefined) throw new UsageError(`--${flag} is for --torchscript (registry models take --dataset)`);
    }
  } else if (values.width !== undefined) {
    throw new UsageError('--width is for registry models, not --torchscript');
  }
  const entry = methodFlag(values.method!);
  const given = (['density', 'compression', 'sparsity'] as const).filter((flag) => values[flag] !== undefined);
  if (given.length !== 1) throw new UsageError(`give exactly one of --density, --compression or --sparsity${given.length ? ` (got ${given.map((f) => `--${f}`).join(' and ')})` : ''}`);
  const selection = findSelection(choice('--selection', values.selection ?? entry.defaults.selection, selectionNames()));
  const scope = choice('--scope', values.scope ?? entry.defaults.scope, scopeNames);
  choice('--schedule', values.schedule!, scheduleNames);
  choice('--selection-at', values['selection-at']!, ['every', 'final']);
  choice('--mask-values', values['mask-values']!, maskValueKinds);
  choice('--keep-rule', values['keep-rule']!, keepRules);
  const randomized = values.replacement !== randomMaskDefaults.replacement || values['mask-values'] !== randomMaskDefaults.values;
  if (randomized && !selection.takesRandomMask) {
    const takers = listSelections().filter((candidate) => candidate.takesRandomMask).map((candidate) => candidate.name);
    throw new UsageError(`--replacement and --mask-values apply to --selection ${takers.join(' or ')}`);
  }
  if (values.input !== undefined && canonicalInputSource(values.input) === undefined) {
    throw new UsageError(`unknown --input '${values.input}'; expected one of ${inputSourceKinds.join(', ')} (${aliasNote()})`);
  }
  if (values.precision !== undefined) {
    if (!entry.precisions) throw new UsageError(`--precision applies to ${scoringMethods().filter((m) => m.precisions).map((m) => m.name).join(', ')}, not ${entry.name}`);
    choice('--precision', values.precision, entry.precisions);
  }
  const seed = integer('--seed', values.seed!, 0);
  deviceName('--device', values.device!);
  // Refused here, before a model is built or data loaded.
  if (values.density !== undefined && !(number('--density', values.density) > 0 && number('--density', values.density) <= 1)) {
    throw new UsageError(`--density is the kept fraction, in (0, 1], got '${values.density}' (10% is --density 0.1)`);
  }
  if (values.compression !== undefined && !(number('--compression', values.compression) >= 0)) {
    throw new UsageError(`--compression must be ≥ 0 (density 10^-X), got '${values.compression}'`);
  }
  if (values.sparsity !== undefined && !(number('--sparsity', values.sparsity) >= 0 && number('--sparsity', values.sparsity) < 1)) {
    throw new UsageError(`--sparsity is the pruned fraction, in [0, 1), got '${values.sparsity}'`);
  }
  const options: PruneOptions = {
    method: values.method!,
    ...(values.density !== undefined ? { density: number('--density', values.density) } : {}),
    ...(values.compression !== undefined ? { compression: number('--compression', values.compression) } : {}),
    ...(values.sparsity !== undefined ? { sparsity: number('--sparsity', values.sparsity) } : {}),
    selection: selection.name, scope: scope as Scope, schedule: values.schedule as ScheduleName,
    selectionAt: values['selection-at'] as 'every' | 'final', seed,
    keepRule: values['keep-rule'] as 'round' | 'synaptic-flow',
    ...(randomized ? { randomMask: { replacement: values.replacement, values: values['mask-values'] as RandomMaskOptions['values'] } } : {}),
    ...(values.iterations !== undefined ? { iterations: integer('--iterations', values.iterations, 1) } : {}),
    ...(values.temperature !== undefined ? { temperature: number('--temperature', values.temperature) } : {}),
    ...(values.precision !== undefined ? { precision: values.precision as Precision } : {}),
    prunable: { biases: values['prune-biases'], batchNorm: values['prune-batchnorm'] },
    trainMode: values['train-mode'],
    input: {
      ...(values.input !== undefined && canonicalInputSource(values.input) !== 'real' ? { source: canonicalInputSource(values.input) } : {}),
      ...(values['batch-size'] !== undefined ? { batchSize: integer('--batch-size', values['batch-size'], 1) } : {}),
      ...(values.batches !== undefined ? { batches: integer('--batches', values.batches, 1) } : {}),
    },
  };
  for (const item of values.compare ?? []) {
    if (!/^[^=]+=.+$/.test(item)) throw new UsageError(`--compare takes LABEL=FILE, got '${item}'`);
  }
  const densityText = String(values.density ?? (values.compression !== undefined ? `c${values.compression}` : `s${values.sparsity}`));
  const modelName = values.model ?? path.basename(values.torchscript!).replace(/\.[^.]*$/, '');
  const out = values.out ?? runsPath('masks',
    `${modelName}-${values.method}-${selection.name}-d${densityText}-s${seed}.safetensors`);
  return { values, options, out };
}

/** The user's TorchScript network, with its input shape from --input-shape or --dataset. */
function loadTorchScript(values: { torchscript?: string; 'input-shape'?: string; classes?: string },
  dataset: ReturnType<typeof datasetShape> | null): Module {
  let inputShape: number[] | undefined = dataset?.inputShape;
  if (values['input-shape'] !== undefined) {
    const sizes = values['input-shape'].split(',').map((text) => Number(text.trim()));
    if (sizes.length === 0 || !sizes.every((size) => Number.isSafeInteger(size) && size > 0)) {
      throw new UsageError(`--input-shape takes positive integers separated by commas (e.g. 3,32,32), got '${values['input-shape']}'`);
    }
    inputShape = sizes;
  }
  const numClasses = values.classes !== undefined ? integer('--classes', values.classes, 1) : dataset?.numClasses;
  if (!inputShape) {
    throw new UsageError('--torchscript needs --input-shape C,H,W (or --dataset): scoring inputs are made in that shape');
  }
  console.log(`loading TorchScript module ${values.torchscript} …`);
  return TorchScriptModule.load(values.torchscript!, { inputShape, ...(numClasses !== undefined ? { numClasses } : {}) });
}

function describeDensity(options: PruneOptions): string {
  if (options.density !== undefined) return `${100 * options.density} %`;
  if (options.compression !== undefined) return `10^-${options.compression} (${(100 * 10 ** -options.compression).toPrecision(4)} %)`;
  return `${(100 * (1 - options.sparsity!)).toPrecision(4)} % (sparsity ${options.sparsity})`;
}

/** A progress line on a terminal; about ten plain lines otherwise. */
function progressPrinter(): (progress: PruneProgress) => void {
  const tty = process.stdout.isTTY;
  return (progress) => {
    const text = `iteration ${progress.iteration}/${progress.iterations}: density ${(100 * progress.density).toFixed(3)} %, ` +
      `${progress.kept.toLocaleString('en-US')} kept, ${(progress.elapsedMs / 1000).toFixed(1)} s`;
    if (tty) {
      process.stdout.write(`\r${text}\x1b[K${progress.iteration === progress.iterations ? '\n' : ''}`);
    } else if (progress.iteration === progress.iterations || progress.iteration % Math.max(1, Math.round(progress.iterations / 10)) === 0) {
      console.log(text);
    }
  };
}

async function writeFigures(modelName: string, model: Module, result: Awaited<ReturnType<typeof prune>>,
  options: PruneOptions, dir: string, compareArgs: string[]): Promise<Record<string, string>> {
  const compare: Record<string, MaskSet> = {};
  for (const item of compareArgs) {
    const at = item.indexOf('=');
    compare[item.slice(0, at)] = loadMasks(item.slice(at + 1)).masks;
  }
  console.log('figure 1: pruning again with the other selection and drawing a uniform mask …');
  let data: Figure1Data;
  try {
    data = await figure1Data(model, { result, options: { ...options, onProgress: undefined }, compare });
  } finally {
    for (const masks of Object.values(compare)) masks.dispose();
  }
  ensureDirectory(dir);
  const about = { model: modelName, method: result.record.method, density: result.record.density, seed: result.record.seed };
  fs.writeFileSync(path.join(dir, 'figure1a.json'), JSON.stringify({ ...about, histogram: data.weights.histogram }, null, 1));
  fs.writeFileSync(path.join(dir, 'figure1b.json'), JSON.stringify({
    ...about, subset: data.scores.subset, histogram: data.scores.histogram,
    values: Object.fromEntries(Object.entries(data.scores.series).map(([name, values]) => [name, Array.from(values)])),
  }, null, 1));
  const series = (record: Record<string, Float64Array>) => Object.entries(record).map(([name, values]) => ({ name, values }));
  const a = await histogramOverlay(series(data.weights.series), {
    dir, name: 'figure1a', title: `Initial values of kept weights (${(100 * result.record.density).toPrecision(3)} % density)`,
    xTitle: 'weight value at initialization', bins: 60, normalize: 'probability',
  });
  // Counts on a symlog axis: the kept weights (a few percent of the sample) stay visible beside all of them.
  const b = await histogramOverlay(series(data.scores.series), {
    dir, name: 'figure1b', title: `${result.record.method} scores of ${data.scores.subset} random weights`,
    xTitle: `${result.record.method} score${data.scores.histogram.log ? ' (log scale)' : ''}`, yTitle: 'count (symlog scale)',
    bins: 40, normalize: 'count', log: data.scores.histogram.log, yScale: 'log',
  });
  console.log(`figure 1 data: ${path.join(dir, 'figure1a.json')}, ${path.join(dir, 'figure1b.json')}`);
  console.log(`figure 1 plots: ${a.svg}, ${a.png}, ${b.svg}, ${b.png}`);
  const files = { figure1aJson: path.join(dir, 'figure1a.json'), figure1bJson: path.join(dir, 'figure1b.json'), figure1aSvg: a.svg, figure1aPng: a.png, figure1bSvg: b.svg, figure1bPng: b.png };
  return Object.fromEntries(Object.entries(files).map(([key, file]) => [key, path.resolve(file)]));
}

/** Where --save-init writes the initial weights: beside the masks. */
function initFile(out: string): string {
  return `${out.endsWith('.safetensors') ? out.slice(0, -'.safetensors'.length) : out}.init.pt`;
}

/** The --method entry: a registered method that does not train between rounds. */
function methodFlag(name: string): MethodEntry {
  const entry = listMethods().find((candidate) => candidate.name === name);
  if (!entry) throw new UsageError(`unknown --method '${name}'; expected one of ${scoringMethods().map((m) => m.name).join(', ')}`);
  if (entry.trains) throw new UsageError(`--method ${name} trains between rounds; run it through an experiment (sketchprune run)`);
  return entry;
}

