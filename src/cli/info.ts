// `sketchprune info`: what this installation runs on.
import { buildInfo, collectives, getNumThreads } from '../torch/index.js';
import { exitCode, parseFlags } from './args.js';

const usage = 'Usage: sketchprune info\n\nPrints the libtorch version, intra-op threads, CUDA availability and whether data-parallel training\n(c10d/Gloo, for sketchprune launch) is compiled in.';

export async function run(argv: string[]): Promise<number> {
  try {
    const { values } = parseFlags({ args: argv, options: { help: { type: 'boolean', short: 'h' } }, strict: true });
    if (values.help) {
      console.log(usage);
      return 0;
    }
  } catch (error) {
    console.error(`sketchprune info: ${(error as Error).message}\n\n${usage}`);
    return exitCode(error);
  }
  const info = buildInfo();
  console.log(`libtorch ${info.torchVersion}; threads ${getNumThreads()}; CUDA ${info.cudaAvailable ? `yes (${info.cudaDeviceCount} devices)` : 'no'}; ` +
    `data parallel (c10d/Gloo) ${collectives.collectivesAvailable() ? 'yes' : 'no'}`);
  return 0;
}
