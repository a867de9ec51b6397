// `--json`: a command's result as one JSON document on stdout, for scripts. While it is on, everything the
// command would print for people (console.log, progress lines) goes to stderr instead, so stdout parses.
// Numbers that JSON cannot hold (NaN: a diverged accuracy) are written as null.

export interface JsonOutput {
  /** Whether --json was given. */
  readonly enabled: boolean;
  /** Writes the document (only with --json; otherwise does nothing). */
  emit(value: unknown): void;
  /** Gives stdout back; call once, in a finally. */
  close(): void;
}

export function jsonOutput(enabled: boolean | undefined): JsonOutput {
  if (!enabled) return { enabled: false, emit: () => {}, close: () => {} };
  const stdout = process.stdout;
  const write = stdout.write;
  stdout.write = process.stderr.write.bind(process.stderr) as typeof stdout.write;
  let closed = false;
  return {
    enabled: true,
    emit(value) {
      write.call(stdout, `${JSON.stringify(value, jsonSafe, 2)}\n`);
    },
    close() {
      if (closed) return;
      closed = true;
      stdout.write = write;
    },
  };
}

/** Runs a command with `jsonOutput` on when argv has --json, and gives stdout back however the command ends. */
export async function withJsonOutput(argv: readonly string[], command: (json: JsonOutput) => Promise<number>): Promise<number> {
  const json = jsonOutput(argv.includes('--json'));
  try {
    return await command(json);
  } finally {
    json.close();
  }
}

function jsonSafe(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? null : value;
}
