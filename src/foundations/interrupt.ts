// Stopping long work cleanly. One process-wide stop signal: SIGINT/SIGTERM (or, in a worker process, the death
// of its parent) requests a stop; training loops watch the signal and stop at the next step boundary with a
// checkpoint; the command then says how to resume and exits 130. A second SIGINT/SIGTERM quits at once.

const controller = new AbortController();
let reason: string | null = null;

/** Aborted once a stop was requested (pass it to trainModel's `signal`). */
export function stopSignal(): AbortSignal { return controller.signal; }

export function stopRequested(): boolean { return controller.signal.aborted; }

/** Why the stop was requested, or null. */
export function stopReason(): string | null { return reason; }

export function requestStop(why: string): void {
  if (controller.signal.aborted) return;
  reason = why;
  controller.abort(new InterruptedError(why));
}

/** Thrown where work ends early because a stop was requested (not a failure: rerunning the command resumes). */
export class InterruptedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InterruptedError';
  }
}

export const interruptedExitCode = 130;

/**
 * SIGINT and SIGTERM request a stop (printing `notice` once); a second one exits at once with 130. Returns a
 * function that removes the handlers.
 */
export function installInterruptHandlers(notice: (signal: NodeJS.Signals) => void): () => void {
  let seen = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (seen) process.exit(interruptedExitCode);
    seen = true;
    notice(signal);
    requestStop(`${signal} received`);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.removeListener('SIGINT', handler);
    process.removeListener('SIGTERM', handler);
  };
}

/**
 * In a forked worker: when the parent goes away (its IPC channel closes, whatever killed it) or asks for a stop
 * (message {type: 'stop'}), request a stop; if the work does not end within `graceMs` (a long pruning pass has
 * no step boundary), exit with 130. The parent's death is also caught by polling the parent pid, in case the
 * channel was never opened.
 */
export function stopWithParent(graceMs = 60_000): void {
  const parent = process.ppid;
  const stop = (why: string): void => {
    if (stopRequested()) return;
    requestStop(why);
    setTimeout(() => process.exit(interruptedExitCode), graceMs).unref();
  };
  if (process.connected) {
    process.on('disconnect', () => stop('the parent process is gone'));
    process.on('message', (message: unknown) => {
      if ((message as { type?: string } | null)?.type === 'stop') stop('the parent asked to stop');
    });
  }
  const poll = setInterval(() => {
    if (process.ppid !== parent) stop('the parent process is gone');
  }, 500);
  poll.unref();
}
