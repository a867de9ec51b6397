// Exit statuses, the same for every command: 0 ok, 1 runtime error (a run failed, a file is corrupt, libtorch
// refused), 2 usage error (bad or missing arguments: nothing was done). 130: `train` stopped by Ctrl-C.
export const EXIT_OK = 0;
export const EXIT_RUNTIME = 1;
export const EXIT_USAGE = 2;

/** A bad or missing argument; main prints it with a pointer to --help and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Whether an error is about the command line: ours, or node:util parseArgs' (unknown option, missing value). */
export function isUsageError(error: unknown): boolean {
  return error instanceof UsageError || String((error as { code?: unknown } | null)?.code ?? '').startsWith('ERR_PARSE_ARGS');
}
