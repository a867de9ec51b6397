import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readLaunchEnvironment } from '../../src/distributed/index.js';

test('readLaunchEnvironment reads torchrun\'s variables', () => {
  assert.equal(readLaunchEnvironment({}), null);
  assert.equal(readLaunchEnvironment({ WORLD_SIZE: '1', RANK: '0' }), null);
  assert.deepEqual(readLaunchEnvironment({ WORLD_SIZE: '4', RANK: '3', LOCAL_RANK: '1', MASTER_ADDR: '10.0.0.2', MASTER_PORT: '29500' }), {
    rank: 3, worldSize: 4, localRank: 1, store: { kind: 'tcp', host: '10.0.0.2', port: 29500 }, timeoutMs: 120_000, ifname: undefined,
  });
  assert.deepEqual(readLaunchEnvironment({ WORLD_SIZE: '2', RANK: '0', SKETCHPRUNE_RENDEZVOUS_FILE: '/shared/rdv', SKETCHPRUNE_DIST_TIMEOUT: '7.5', GLOO_SOCKET_IFNAME: 'eth1' }), {
    rank: 0, worldSize: 2, localRank: 0, store: { kind: 'file', path: '/shared/rdv' }, timeoutMs: 7500, ifname: 'eth1',
  });
});

test('readLaunchEnvironment names what is missing or malformed', () => {
  assert.throws(() => readLaunchEnvironment({ WORLD_SIZE: '2', MASTER_ADDR: 'h', MASTER_PORT: '1' }), /RANK is not set/);
  assert.throws(() => readLaunchEnvironment({ WORLD_SIZE: '2', RANK: '2', MASTER_ADDR: 'h', MASTER_PORT: '1' }), /RANK=2 must be below WORLD_SIZE=2/);
  assert.throws(() => readLaunchEnvironment({ WORLD_SIZE: 'two' }), /WORLD_SIZE must be an integer ≥ 1, got 'two'/);
  assert.throws(() => readLaunchEnvironment({ WORLD_SIZE: '2', RANK: '0' }), /needs MASTER_ADDR and MASTER_PORT/);
  assert.throws(() => readLaunchEnvironment({ WORLD_SIZE: '2', RANK: '0', MASTER_ADDR: 'h', MASTER_PORT: '70000' }), /MASTER_PORT must be a TCP port/);
  assert.throws(() => readLaunchEnvironment({ WORLD_SIZE: '2', RANK: '0', MASTER_ADDR: 'h', MASTER_PORT: '1', SKETCHPRUNE_DIST_TIMEOUT: '0' }), /SKETCHPRUNE_DIST_TIMEOUT/);
});
