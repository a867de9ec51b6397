// `sketchprune info`: what this installation runs on.
import { buildInfo, getNumThreads } from '../torch/index.js';

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log('Usage: sketchprune info\n\nPrints the libtorch version, intra-op threads and CUDA availability.');
    return 0;
  }
  const info = buildInfo();
  console.log(`libtorch ${info.torchVersion}; threads ${getNumThreads()}; CUDA ${info.cudaAvailable ? `yes (${info.cudaDeviceCount} devices)` : 'no'}`);
  return 0;
}
