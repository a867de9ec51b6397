// torch.distributed's c10d collectives from libtorch (native/distributed.cc): one Gloo process group per process,
// found through a TCPStore (rank 0 serves it) or a FileStore. Every collective changes its tensors in place and
// returns once all ranks have taken part; a peer that died or stopped answering for `timeoutMs` gives an Error.
import { native } from './native.js';
import { handleOf, type Tensor } from './tensor.js';

export type ReduceOp = 'sum' | 'max' | 'min';

export interface ProcessGroupOptions {
  rank: number;
  worldSize: number;
  /** How long a collective (and the rendezvous) may wait for the other ranks, in milliseconds. */
  timeoutMs: number;
  /** Rendezvous: a TCPStore at host:port (rank 0 serves it) or a FileStore at path (a shared filesystem). */
  store: { kind: 'tcp'; host: string; port: number } | { kind: 'file'; path: string };
  /** Network interface Gloo binds to (GLOO_SOCKET_IFNAME); else `hostname`; else this machine's hostname. */
  ifname?: string;
  hostname?: string;
}

/** Whether this build of the addon has c10d/Gloo (false when libtorch's include dir lacked gloo/ headers). */
export function collectivesAvailable(): boolean { return native.distAvailable(); }

export function initProcessGroup(options: ProcessGroupOptions): void {
  const { store } = options;
  native.distInit({
    rank: options.rank, worldSize: options.worldSize, timeoutMs: Math.round(options.timeoutMs),
    store: store.kind, host: store.kind === 'tcp' ? store.host : undefined, port: store.kind === 'tcp' ? store.port : undefined,
    path: store.kind === 'file' ? store.path : undefined, ifname: options.ifname, hostname: options.hostname,
  });
}

export function destroyProcessGroup(): void { native.distDestroy(); }

/** Reduces each (contiguous) tensor in place over all ranks. */
export function allReduce_(tensors: readonly Tensor[], op: ReduceOp = 'sum'): void {
  native.distAllReduce(tensors.map(handleOf), op);
}

/** Overwrites each (contiguous) tensor with rank `root`'s. */
export function broadcast_(tensors: readonly Tensor[], root = 0): void {
  native.distBroadcast(tensors.map(handleOf), root);
}

export function barrier(): void { native.distBarrier(); }
