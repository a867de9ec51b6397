// Rendezvous settings from the environment, as torchrun sets them (and `sketchprune launch` does): RANK,
// WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT. SKETCHPRUNE_RENDEZVOUS_FILE names a FileStore on a shared
// filesystem instead of the TCPStore at MASTER_ADDR:MASTER_PORT; SKETCHPRUNE_DIST_TIMEOUT (seconds) bounds how long
// a collective waits for the other ranks; GLOO_SOCKET_IFNAME picks the network interface, as in PyTorch.

export interface LaunchEnvironment {
  rank: number;
  worldSize: number;
  localRank: number;
  store: { kind: 'tcp'; host: string; port: number } | { kind: 'file'; path: string };
  timeoutMs: number;
  ifname?: string;
}

export const DEFAULT_TIMEOUT_SECONDS = 120;

/**
 * The launch settings when WORLD_SIZE is set and above 1; null for a plain single-process run (no variables, or
 * WORLD_SIZE=1). Missing or malformed variables give an error naming them.
 */
export function readLaunchEnvironment(env: NodeJS.ProcessEnv = process.env): LaunchEnvironment | null {
  if (env.WORLD_SIZE === undefined) return null;
  const worldSize = integerVariable(env, 'WORLD_SIZE', 1);
  if (worldSize === 1) return null;
  const rank = integerVariable(env, 'RANK', 0);
  if (rank >= worldSize) throw new Error(`RANK=${rank} must be below WORLD_SIZE=${worldSize}`);
  const localRank = env.LOCAL_RANK === undefined ? rank : integerVariable(env, 'LOCAL_RANK', 0);
  const timeoutSeconds = env.SKETCHPRUNE_DIST_TIMEOUT === undefined ? DEFAULT_TIMEOUT_SECONDS : Number(env.SKETCHPRUNE_DIST_TIMEOUT);
  if (!(timeoutSeconds > 0) || !Number.isFinite(timeoutSeconds)) {
    throw new Error(`SKETCHPRUNE_DIST_TIMEOUT must be a positive number of seconds, got '${env.SKETCHPRUNE_DIST_TIMEOUT}'`);
  }
  let store: LaunchEnvironment['store'];
  if (env.SKETCHPRUNE_RENDEZVOUS_FILE) {
    store = { kind: 'file', path: env.SKETCHPRUNE_RENDEZVOUS_FILE };
  } else {
    if (!env.MASTER_ADDR) throw new Error(`WORLD_SIZE=${worldSize} needs MASTER_ADDR and MASTER_PORT (or SKETCHPRUNE_RENDEZVOUS_FILE)`);
    const port = integerVariable(env, 'MASTER_PORT', 1);
    if (port > 65535) throw new Error(`MASTER_PORT must be a TCP port (1-65535), got ${port}`);
    store = { kind: 'tcp', host: env.MASTER_ADDR, port };
  }
  return { rank, worldSize, localRank, store, timeoutMs: timeoutSeconds * 1000, ifname: env.GLOO_SOCKET_IFNAME || undefined };
}

function integerVariable(env: NodeJS.ProcessEnv, name: string, min: number): number {
  const text = env[name];
  if (text === undefined) throw new Error(`${name} is not set (a data-parallel launch sets RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT)`);
  const value = Number(text);
  if (text.trim() === '' || !Number.isSafeInteger(value) || value < min) throw new Error(`${name} must be an integer ≥ ${min}, got '${text}'`);
  return value;
}
