// Drives bench/reference/pytorch_bench.py in a child process: one request line, one reply line per round.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

export class PyTorchReference {
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #replies: AsyncIterator<string>;
  #stderr = '';

  private constructor(child: ChildProcessWithoutNullStreams) {
    this.#child = child;
    child.stderr.on('data', (chunk) => { this.#stderr = (this.#stderr + String(chunk)).slice(-4000); });
    this.#replies = readline.createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  }

  /** Starts the reference process; resolves with it and the PyTorch version once torch is imported. */
  static async start(python: string, env: Record<string, string> = {}): Promise<{ reference: PyTorchReference; version: string }> {
    // From dist/bench/ back to the source tree, where the script lives.
    const script = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bench/reference/pytorch_bench.py');
    const child = spawn(python, [script], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    const reference = new PyTorchReference(child);
    const { ready } = await reference.#reply() as { ready: string };
    return { reference, version: ready };
  }

  async #reply(): Promise<Record<string, unknown>> {
    const next = await this.#replies.next();
    if (next.done) throw new Error(`the PyTorch reference process ended:\n${this.#stderr}`);
    return JSON.parse(next.value) as Record<string, unknown>;
  }

  /** One measurement round of a workload: wall and CPU time per unit, and the thread count PyTorch used. */
  async round(workload: string, threads: number): Promise<{ wall: number; cpu: number; threads: number }> {
    this.#child.stdin.write(JSON.stringify({ workload, threads }) + '\n');
    return await this.#reply() as { wall: number; cpu: number; threads: number };
  }

  close(): void {
    this.#child.stdin.end();
  }
}
