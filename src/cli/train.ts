// `sketchprune train`: trains a registry model on a registry dataset, optionally with a fixed mask.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { setNumThreads } from '../torch/index.js';
import { installInterruptHandlers, interruptedExitCode, stopSignal } from '../foundations/interrupt.js';
import { runTraining, trainingData, type DataDescription, type TrainingSpec } from '../train/index.js';
import type { ScheduleKind, Stepping } from '../optim/index.js';
import type { ProgressMode } from '../train/index.js';
import { type JsonOutput, withJsonOutput } from './json-output.js';
import { runsPath } from './paths.js';
import { writeTrainingEvents } from '../report/index.js';
import { UsageError, choice, deviceName, integer, number, threadCount, usageExit } from './args.js';

const help = `Usage: sketchprune train --model NAME --dataset NAME [options]

Trains a model with SGD on cross-entropy. With --mask, the mask's zeros stay exactly zero for the whole run
(gradients are masked before each step and pruned weights re-zeroed after it). The output directory gets
config.json, checkpoint.safetensors (every epoch end, and every --checkpoint-every steps), metrics.jsonl
(one line per epoch), and at the end model.safetensors and result.json. Ctrl-C stops after the current
step with a checkpoint; --resume continues a stopped or crashed run to bit-identical final weights.
Under \`sketchprune launch\` (or torchrun-style RANK/WORLD_SIZE/MASTER_ADDR/MASTER_PORT variables) it trains
data-parallel: --batch-size is per process, and rank 0 alone writes the output directory.

Required:
  --model NAME            registry model (lenet300, fc, conv2/4/6, vgg11..19, resnet20..56, wrn20-W, resnet18, wrn18-k)
  --dataset NAME          fashion-mnist, mnist, cifar10, cifar100 or tiny-imagenet
  --epochs N              training epochs
  --batch-size B          training batch size
  --lr LR                 base learning rate

Optimizer and schedule:
  --momentum M            SGD momentum (default 0.9)
  --nesterov              Nesterov momentum
  --weight-decay WD       L2 weight decay, added to the gradient as PyTorch does (default 0)
  --schedule KIND         multistep, cosine or constant (default: multistep when --milestones is given,
                          else constant)
  --milestones E1,E2,...  multistep: epochs at which the rate is multiplied by --gamma (paper: 80,120 of 160)
  --gamma G               multistep factor (default 0.1)
  --min-lr LR             cosine: final rate (default 0)
  --warmup-epochs W       linear warm-up over the first W epochs (fractions allowed; default 0)
  --stepping MODE         iteration (rate changes every step; default) or epoch (once per epoch, as PyTorch's
                          schedulers stepped per epoch)

Data and run:
  --mask FILE             a saved mask (.safetensors, from sketchprune prune) to hold fixed
  --out DIR               output directory (default runs/train/MODEL-DATASET-sSEED)
  --seed S                seed of the initialization, data order, augmentation and dropout (default 0)
  --resume                continue the checkpoint in --out (without it an existing checkpoint is an error)
  --data-dir DIR          dataset directory (default: standard locations, see sketchprune datasets)
  --device DEVICE         cpu, cuda or cuda:N (default cpu; cuda needs the addon built against a CUDA libtorch;
                          batches are staged in pinned memory and prefetched while a step runs)
  --limit-train N         use only the first N training examples, N ≥ 1 (quick runs; default all)
  --limit-test N          use only the first N test examples, N ≥ 1 (default all)
  --augment MODE          auto (crop+flip for colour datasets; default), on or off
  --test-batch-size B     evaluation batch size (default 1000)
  --checkpoint-every N    also checkpoint every N steps (default: epoch ends only)
  --log-every N           also write a metrics line every N steps
  --threads N             torch CPU threads (default: all cores)
  --progress MODE         auto (bar on a terminal, plain lines otherwise; default), bar, lines or none
  --tensorboard           also write TensorBoard event files (loss, accuracy, learning rate per epoch; per step
                          with --log-every) into the output directory, refreshed while training
  --json                  print the outcome (status, epochs, steps, test top-1/top-5/loss, files) as JSON on
                          stdout (progress and messages go to stderr)
  -h, --help              this text

Example (the paper's CIFAR recipe):
  sketchprune train --model resnet20 --dataset cifar10 --epochs 160 --batch-size 128 --lr 0.1 \\
    --momentum 0.9 --weight-decay 1e-4 --milestones 80,120 --mask masks/synflow-0.1.safetensors`;


export async function run(argv: string[]): Promise<number> {
  return withJsonOutput(argv, (json) => trainCommand(argv, json));
}

async function trainCommand(argv: string[], json: JsonOutput): Promise<number> {
  let spec: TrainingSpec;
  let threads: number | undefined;
  let progress: ProgressMode;
  try {
    const parsed = parse(argv);
    if (parsed === 'help') { console.log(help); return 0; }
    ({ spec, threads, progress } = parsed);
  } catch (error) {
    return usageExit('train', error);
  }
  if (threads !== undefined) setNumThreads(threads);

  const removeHandlers = installInterruptHandlers((signal) => {
    process.stderr.write(`\n${signal === 'SIGINT' ? 'interrupted' : signal}: stopping after this step with a checkpoint (Ctrl-C again to quit at once)\n`);
  });
  try {
    // --tensorboard: metrics.jsonl as event files in the output directory, refreshed at every epoch start and
    // every 200 steps while training, and at the end.
    let lastEpoch = -1;
    const tensorboard = argv.includes('--tensorboard') && (process.env.RANK ?? '0') === '0'; // rank 0 alone writes
    const outcome = await runTraining(spec, {
      progress, signal: stopSignal(),
      ...(tensorboard ? {
        onStep: (info: { epoch: number; globalStep: number }) => {
          if (info.epoch !== lastEpoch || info.globalStep % 200 === 0) { lastEpoch = info.epoch; writeTrainingEvents(spec.out); }
        },
      } : {}),
    });
    if (outcome.rank !== 0) return outcome.stopped === 'finished' ? 0 : interruptedExitCode; // rank 0 reports for a data-parallel run
    const events = tensorboard ? writeTrainingEvents(outcome.out) : undefined;
    if (events !== undefined) console.log(`tensorboard: tensorboard --logdir ${path.dirname(path.resolve(events))}`);
    const about = { out: path.resolve(outcome.out), metrics: path.resolve(outcome.out, 'metrics.jsonl'), epochs: outcome.epochsCompleted, steps: outcome.globalStep };
    if (outcome.stopped !== 'finished') {
      const again = argv.includes('--resume') ? argv : [...argv, '--resume'];
      console.log(`stopped at step ${outcome.globalStep}; checkpoint in ${outcome.checkpoint}\nresume with: sketchprune train ${again.join(' ')}`);
      json.emit({ status: 'stopped', ...about, model: null, test: null });
      return interruptedExitCode;
    }
    const test = outcome.test;
    console.log(`finished ${outcome.epochsCompleted} epochs (${outcome.globalStep} steps)` +
      (test ? `: test top-1 ${(100 * test.top1).toFixed(2)}%, top-5 ${(100 * test.top5).toFixed(2)}%, loss ${test.loss.toFixed(4)}` : '') +
      `\nmodel: ${outcome.modelFile}\nmetrics: ${path.join(outcome.out, 'metrics.jsonl')}`);
    json.emit({
      status: 'finished', ...about, model: outcome.modelFile === null ? null : path.resolve(outcome.modelFile),
      density: outcome.density, test: test ? { top1: test.top1, top5: test.top5, loss: test.loss } : null,
      train: outcome.train ?? null,
    });
    return 0;
  } finally {
    removeHandlers();
  }
}

/** What `sketchprune train ARGS` loads (training alone): the data pipeline's description, or 'help'. */
export function trainData(argv: string[]): DataDescription | 'help' {
  const parsed = parse(argv);
  return parsed === 'help' ? parsed : trainingData(parsed.spec);
}

function parse(argv: string[]): 'help' | { spec: TrainingSpec; threads?: number; progress: ProgressMode } {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true, strict: true,
    options: {
      model: { type: 'string' }, dataset: { type: 'string' }, epochs: { type: 'string' }, 'batch-size': { type: 'string' },
      lr: { type: 'string' }, momentum: { type: 'string', default: '0.9' }, nesterov: { type: 'boolean', default: false },
      'weight-decay': { type: 'string', default: '0' }, schedule: { type: 'string' }, milestones: { type: 'string' },
      gamma: { type: 'string', default: '0.1' }, 'min-lr': { type: 'string', default: '0' }, 'warmup-epochs': { type: 'string', default: '0' },
      stepping: { type: 'string', default: 'iteration' }, mask: { type: 'string' }, out: { type: 'string' },
      seed: { type: 'string', default: '0' }, resume: { type: 'boolean', default: false }, 'data-dir': { type: 'string' },
      device: { type: 'string', default: 'cpu' }, 'limit-train': { type: 'string' }, 'limit-test': { type: 'string' },
      augment: { type: 'string', default: 'auto' }, 'test-batch-size': { type: 'string', default: '1000' },
      'checkpoint-every': { type: 'string', default: '0' }, 'log-every': { type: 'string', default: '0' },
      threads: { type: 'string' }, progress: { type: 'string', default: 'auto' }, json: { type: 'boolean', default: false },
      tensorboard: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return 'help';
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  for (const flag of ['model', 'dataset', 'epochs', 'batch-size', 'lr'] as const) {
    if (values[flag] === undefined) throw new UsageError(`--${flag} is required`);
  }
  const milestones = values.milestones === undefined ? [] : values.milestones.split(',').map((text, i) => {
    const value = Number(text.trim());
    if (text.trim() === '' || !Number.isFinite(value) || value < 0) {
      throw new UsageError(`--milestones must be comma-separated epochs ≥ 0, got '${values.milestones}' (entry ${i + 1})`);
    }
    return value;
  });
  const schedule = choice('--schedule', values.schedule ?? (milestones.length > 0 ? 'multistep' : 'constant'), ['multistep', 'cosine', 'constant']) as ScheduleKind;
  if (schedule === 'multistep' && milestones.length === 0) throw new UsageError('--schedule multistep needs --milestones (e.g. 80,120)');
  if (schedule !== 'multistep' && values.milestones !== undefined) throw new UsageError(`--milestones only applies to --schedule multistep, not ${schedule}`);
  const model = values.model!;
  const dataset = values.dataset!;
  const seed = integer('--seed', values.seed!, 0);
  const spec: TrainingSpec = {
    model, dataset,
    epochs: integer('--epochs', values.epochs!, 1),
    batchSize: integer('--batch-size', values['batch-size']!, 1),
    lr: number('--lr', values.lr!, 0),
    momentum: number('--momentum', values.momentum!, 0),
    weightDecay: number('--weight-decay', values['weight-decay']!, 0),
    nesterov: values.nesterov!,
    schedule, milestones,
    gamma: number('--gamma', values.gamma!, 0),
    minLr: number('--min-lr', values['min-lr']!, 0),
    warmupEpochs: number('--warmup-epochs', values['warmup-epochs']!, 0),
    stepping: choice('--stepping', values.stepping!, ['iteration', 'epoch']) as Stepping,
    mask: values.mask ?? null,
    out: values.out ?? runsPath('train', `${model}-${dataset}-s${seed}`),
    seed,
    resume: values.resume!,
    dataDir: values['data-dir'] ?? null,
    device: deviceName('--device', values.device!),
    // 0 would mean "all" inside; on the command line it is a mistake, not a request for the whole set.
    limitTrain: values['limit-train'] === undefined ? 0 : integer('--limit-train', values['limit-train'], 1),
    limitTest: values['limit-test'] === undefined ? 0 : integer('--limit-test', values['limit-test'], 1),
    augment: choice('--augment', values.augment!, ['auto', 'on', 'off']) as 'auto' | 'on' | 'off',
    testBatchSize: integer('--test-batch-size', values['test-batch-size']!, 1),
    checkpointEverySteps: integer('--checkpoint-every', values['checkpoint-every']!, 0),
    logEverySteps: integer('--log-every', values['log-every']!, 0),
  };
  if (spec.nesterov && spec.momentum === 0) throw new UsageError('--nesterov needs --momentum > 0');
  return {
    spec,
    threads: values.threads === undefined ? undefined : threadCount('--threads', values.threads),
    progress: choice('--progress', values.progress!, ['auto', 'bar', 'lines', 'none']) as ProgressMode,
  };
}
