// `sketchprune info`: what this installation runs on.
import { buildInfo, getNumThreads } from '../torch/index.js';
import { exitCode, parseFlags } from './args.js';

const usage = 'Usage: sketchprune info\n\nPrints the libtorch version, intra-op threads and CUDA availability.';

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
  console.log(`libtorch ${info.torchVersion}; threads ${getNumThreads()}; CUDA ${info.cudaAvailable ? `yes (${info.cudaDeviceCount} devices)` : 'no'}`);
  return 0;
}
