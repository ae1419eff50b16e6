/**
 * torchrun's environment: RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR,
 * MASTER_PORT, plus GLOO_SOCKET_IFNAME (read by torch's Python layer only, so
 * read here) and TORCHELASTIC_USE_AGENT_STORE (torchrun hosts the store: rank
 * 0 connects to it as a client, under the restart's prefix).
 */
import net from 'node:net';
import { DistributedError } from './errors.js';

export interface LaunchEnv {
  rank: number;
  worldSize: number;
  localRank: number;
  masterAddr: string;
  masterPort: number;
  /** '' when unset: Gloo binds to the address MASTER_ADDR is reached from. */
  ifname: string;
  /** torchrun's agent hosts the store (no rank is its server). */
  agentStore: boolean;
  /** torchrun's restart count, which prefixes the store's keys of each attempt. */
  restartCount: number;
}

function integer(env: NodeJS.ProcessEnv, key: string, fallback?: number): number {
  const text = env[key];
  if (text == null || text === '') {
    if (fallback != null) return fallback;
    throw new DistributedError('BAD_CONFIG', 'is not set (a distributed run needs RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT)', { path: key });
  }
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new DistributedError('BAD_CONFIG', `must be a non-negative integer, got '${text}'`, { path: key });
  return value;
}

/** The launch settings in `env`, or null when WORLD_SIZE is unset (a single-process run). */
export function readLaunchEnv(env: NodeJS.ProcessEnv = process.env): LaunchEnv | null {
  if (env.WORLD_SIZE == null || env.WORLD_SIZE === '') return null;
  const worldSize = integer(env, 'WORLD_SIZE');
  const rank = integer(env, 'RANK');
  if (worldSize < 1) throw new DistributedError('BAD_CONFIG', 'must be at least 1', { path: 'WORLD_SIZE' });
  if (rank >= worldSize) throw new DistributedError('BAD_CONFIG', `must be below WORLD_SIZE (${worldSize}), got ${rank}`, { path: 'RANK' });
  const masterPort = integer(env, 'MASTER_PORT', 29500);
  if (masterPort < 1 || masterPort > 65535) throw new DistributedError('BAD_CONFIG', `must be a port (1-65535), got ${masterPort}`, { path: 'MASTER_PORT' });
  return {
    rank,
    worldSize,
    localRank: integer(env, 'LOCAL_RANK', rank),
    masterAddr: env.MASTER_ADDR || '127.0.0.1',
    masterPort,
    ifname: env.GLOO_SOCKET_IFNAME ?? '',
    agentStore: env.TORCHELASTIC_USE_AGENT_STORE === 'True',
    restartCount: integer(env, 'TORCHELASTIC_RESTART_COUNT', 0),
  };
}

/** A TCP port free right now on 127.0.0.1: the MASTER_PORT of a group started on this machine. */
export function freeLocalPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** torchrun's environment for rank `rank` of a group of `worldSize` on this machine (MASTER_ADDR 127.0.0.1). */
export function localRankEnv(rank: number, worldSize: number, port: number): Record<string, string> {
  return { RANK: String(rank), LOCAL_RANK: String(rank), WORLD_SIZE: String(worldSize), MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port) };
}
