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

function jsonSafe(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? null : value;
}
