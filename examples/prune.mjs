// Prune LeNet-300-100 at initialization with SynFlow on χ input and the paper's randomized mask, save the
// masks, and train with them: node examples/prune.mjs && node bin/sketchprune.js train --model lenet300 \
//   --dataset fashion-mnist --epochs 2 --batch-size 128 --lr 0.1 --mask runs/examples/lenet300-synflow.safetensors
import { torch, nn, pruning } from '../dist/src/index.js';

torch.manualSeed(0);
const model = nn.createModel('lenet300', { inputShape: [1, 28, 28], numClasses: 10 });
const { masks, record } = await pruning.prune(model, {
  method: 'synflow', density: 0.05, selection: 'sketch-random', input: { source: 'chi' }, seed: 0,
});
console.log(pruning.formatDensityTable(record));
pruning.saveMasks(masks, record, 'runs/examples/lenet300-synflow.safetensors', { pt: true });
console.log(`overall density ${(masks.density() * 100).toFixed(2)}%, saved to runs/examples/lenet300-synflow.safetensors`);
