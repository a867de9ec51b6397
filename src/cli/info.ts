// `sketchprune info`: what this installation runs on.
import { buildInfo, collectives, getNumThreads } from '../torch/index.js';

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log('Usage: sketchprune info\n\nPrints the libtorch version, intra-op threads, CUDA availability and whether data-parallel training\n(c10d/Gloo, for sketchprune launch) is compiled in.');
    return 0;
  }
  const info = buildInfo();
  console.log(`libtorch ${info.torchVersion}; threads ${getNumThreads()}; CUDA ${info.cudaAvailable ? `yes (${info.cudaDeviceCount} devices)` : 'no'}; ` +
    `data parallel (c10d/Gloo) ${collectives.collectivesAvailable() ? 'yes' : 'no'}`);
  return 0;
}
