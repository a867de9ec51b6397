// Flag checking shared by the commands: one UsageError (exit status 2) and the checkers that throw it.
// A command throws UsageError for bad input and lets `exitCode` turn what it catches into 2 or 1.
// Exit statuses, the same for every command: 0 ok, 1 runtime error (a run failed, a file is corrupt, libtorch
// refused), 2 usage error (bad or missing arguments: nothing was done); 130: stopped by Ctrl-C.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { parallelismProblem } from '../foundations/limits.js';
import { parseDevice, type Device } from '../torch/index.js';

export const EXIT_OK = 0;
export const EXIT_RUNTIME = 1;
export const EXIT_USAGE = 2;

/** Bad command-line input: the command prints the message (and a pointer to --help) and exits with status 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** 2 for a UsageError (or node:util's own parseArgs errors), 1 for anything else (a runtime failure). */
export function exitCode(error: unknown): 1 | 2 {
  return error instanceof UsageError || isParseArgsError(error) ? 2 : 1;
}

/** Whether an error is about the command line: ours, or node:util parseArgs' (unknown option, missing value). */
export function isUsageError(error: unknown): boolean {
  return exitCode(error) === EXIT_USAGE;
}

/**
 * A command's catch for its argument parsing: a usage error is printed as "sketchprune <command>: <message> (see
 * sketchprune <command> --help)" and gives exit status 2; anything else is rethrown.
 */
export function usageExit(command: string, error: unknown): 2 {
  if (!isUsageError(error)) throw error;
  console.error(`sketchprune ${command}: ${(error as Error).message} (see sketchprune ${command} --help)`);
  return EXIT_USAGE;
}

function isParseArgsError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}

/** node:util parseArgs, with its errors (unknown option, missing value, …) as UsageErrors. */
export function parseFlags<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    throw isParseArgsError(error) ? new UsageError((error as Error).message) : error;
  }
}

/** `text` as one of `allowed`. */
export function choice<T extends string>(flag: string, text: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(text)) {
    throw new UsageError(`${flag} must be one of ${allowed.join(', ')}, got '${text}'`);
  }
  return text as T;
}

/** `text` as a finite number, at least `minimum` when one is given. */
export function number(flag: string, text: string, minimum?: number): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || (minimum !== undefined && value < minimum)) {
    throw new UsageError(`${flag} must be a number${minimum === undefined ? '' : ` ≥ ${minimum}`}, got '${text}'`);
  }
  return value;
}

/** `text` as a safe integer, at least `minimum` when one is given. */
export function integer(flag: string, text: string, minimum?: number): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isSafeInteger(value) || (minimum !== undefined && value < minimum)) {
    throw new UsageError(`${flag} must be an integer${minimum === undefined ? '' : ` ≥ ${minimum}`}, got '${text}'`);
  }
  return value;
}

/** `text` as a comma-separated list of finite numbers ('10,20,50'). */
export function numberList(flag: string, text: string): number[] {
  const items = text.split(',');
  const values = items.map((item) => Number(item.trim()));
  if (items.some((item) => item.trim() === '') || values.some((value) => !Number.isFinite(value))) {
    throw new UsageError(`${flag} must be a comma-separated list of numbers, got '${text}'`);
  }
  return values;
}

/** `text` as a device name (cpu, cuda, cuda:N); whether this libtorch has it is checked before any work, not here. */
export function deviceName(flag: string, text: string): Device {
  try { return parseDevice(text, flag); } catch (error) { throw new UsageError((error as Error).message); }
}

/** `text` as a torch thread count: an integer ≥ 1 that this machine's limits allow. */
export function threadCount(flag: string, text: string): number {
  const threads = integer(flag, text, 1);
  const problem = parallelismProblem(flag, threads);
  if (problem) throw new UsageError(problem);
  return threads;
}
