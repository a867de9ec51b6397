// The pruning methods by name, each with every fact the rest of the code needs about it: description, table
// label, what input it reads, its defaults, its precision options, and whether it trains between rounds (IMP: it
// then runs its own loop, `run`, instead of giving prune() a scorer, `create`). The CLI's help and checks, the
// experiment schema, run labels and run hashes all read these entries; adding a method means writing its file
// and adding (or registering) its entry, nothing else.
import { createRandomScorer } from './random.js';
import { createMagnitudeScorer } from './magnitude.js';
import { createSnipScorer } from './snip.js';
import { createGraspScorer } from './grasp.js';
import { createSynflowScorer } from './synflow.js';
import { createNtkSketchScorer } from './ntk-sketch.js';
import { pruneImp } from '../imp.js';
import { scopeNames } from '../selection/types.js';
import { defaultSelection, findSelection } from '../selection/registry.js';
import { inputSourceKinds } from '../../data/synthetic.js';
import type { InputDefaults, MethodDefaults, MethodEntry } from '../types.js';
import { NamedRegistry } from '../named-registry.js';

/** The defaults every built-in method shares; an entry spreads them and adds its own. */
const common = { iterations: 1, input: null, selection: defaultSelection, scope: 'global' } as const satisfies MethodDefaults;
const labelled = (batchSize: number): InputDefaults => ({ source: 'real', batchSize, batches: 1 });

const builtIn: MethodEntry[] = [
  {
    name: 'random', label: 'Random', describe: 'uniform random scores (a uniformly random mask)', needs: 'none', trains: false,
    defaults: common, create: createRandomScorer,
  },
  {
    name: 'magnitude', label: 'Magnitude', describe: '|w|', needs: 'none', trains: false, defaults: common,
    create: createMagnitudeScorer,
  },
  {
    name: 'snip', label: 'SNIP', describe: '|g ⊙ w|, g the loss gradient summed over the batches (Lee et al. 2019)',
    needs: 'batches', trains: false, defaults: { ...common, input: labelled(256) }, create: createSnipScorer,
  },
  {
    name: 'grasp', label: 'GraSP', describe: 'w ⊙ Hg by double backward, logits / 200, keep the largest (Wang et al. 2020, Synaptic-Flow sign)',
    needs: 'batches', trains: false, defaults: { ...common, input: labelled(256) }, create: createGraspScorer,
    recordOptions: (options) => ({ temperature: options.temperature ?? 200 }),
  },
  {
    name: 'synflow', label: 'SynFlow', describe: '|θ ⊙ ∂R/∂θ| with R = Σ f(1; |θ|), scaled float32 or float64 (Tanaka et al. 2020)',
    needs: 'one-example', trains: false, precisions: ['float32', 'float64'],
    defaults: { ...common, iterations: 100, input: { source: 'ones', batchSize: 1, batches: 1 } },
    create: (options) => createSynflowScorer({ precision: options.precision }),
  },
  {
    name: 'ntk-sketch', label: 'NTK sketch', describe: '‖J(θ₀)_(k)‖·|θ₀ₖ|, Jacobian column norms over a batch and all outputs (paper §7)',
    needs: 'batches', trains: false, defaults: { ...common, input: labelled(32) }, create: createNtkSketchScorer,
  },
  {
    name: 'imp', label: 'IMP', describe: 'iterative magnitude pruning with rewinding, |w| after training each round (Frankle & Carbin 2019)',
    // revision 2: the ticket starts from the rewind point and random data is one fixed set
    needs: 'batches', trains: true, revision: 2, defaults: { ...common, input: labelled(256) }, run: pruneImp,
  },
];

const registry = new NamedRegistry<MethodEntry>('pruning method', 'methods', builtIn, entryProblem);

/** The registered methods, in registration order. */
export const listMethods = (): readonly MethodEntry[] => registry.list();
export const methodNames = (): string[] => registry.names();
export const findMethod = (name: string): MethodEntry => registry.find(name);
/** Adds a method (a plugin, or a test's toy scorer), checked whole; the name must be new. */
export const registerMethod = (entry: MethodEntry): void => registry.register(entry);
/** Removes a registered method; true when there was one of that name. */
export const unregisterMethod = (name: string): boolean => registry.unregister(name);

function entryProblem(entry: MethodEntry): string | undefined {
  if (entry.name === 'none') return "'none' means no pruning in experiment files";
  if (typeof entry.describe !== 'string' || typeof entry.label !== 'string') return 'describe and label must be strings';
  if (!['none', 'batches', 'one-example'].includes(entry.needs)) return `needs must be none, batches or one-example, got ${JSON.stringify(entry.needs)}`;
  if (entry.trains ? typeof entry.run !== 'function' : typeof entry.create !== 'function') {
    return entry.trains ? 'a method that trains needs run()' : 'a scoring method needs create()';
  }
  const defaults = entry.defaults;
  if (!defaults || !Number.isInteger(defaults.iterations) || defaults.iterations < 1) return 'defaults.iterations must be a positive integer';
  if (!scopeNames.includes(defaults.scope)) return `defaults.scope must be ${scopeNames.join(' or ')}`;
  try { findSelection(defaults.selection); } catch (error) { return `defaults.selection: ${(error as Error).message}`; }
  if ((entry.needs === 'none') !== (defaults.input === null)) return 'defaults.input is null exactly when needs is none';
  const input = defaults.input;
  if (input && (!inputSourceKinds.includes(input.source) || !(input.batchSize >= 1) || !(input.batches >= 1))) {
    return `defaults.input needs a source (${inputSourceKinds.join(', ')}) and positive batchSize and batches`;
  }
  return undefined;
}
