/**
 * Loads the addon that scripts/build-addon.mjs built (build/distributed.node)
 * and says why when it cannot: not built (and why), or not loadable. Never
 * throws, so the package loads without it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The addon's process group: collectives on Float32Arrays, in place, resolved when done on this rank. */
export interface NativeGroup {
  /** Then buffer[0, scaleEnd) *= scale, in the pool. */
  allreduce(buffer: Float32Array, op: 'sum' | 'max' | 'min', scaleEnd?: number, scale?: number): Promise<void>;
  /**
   * buffer[0, end) summed over the ranks in half precision: times prescale and cast to `format` here, cast back
   * times postscale in the pool; resolves with how many results are not finite.
   */
  allreduceCompressed(buffer: Float32Array, end: number, format: 'fp16' | 'bf16', prescale: number, postscale: number): Promise<number>;
  /** How many of buffer[0, end) are NaN or infinite (one native pass). */
  countNonFinite(buffer: Float32Array, end: number): number;
  broadcast(buffer: Float32Array, root: number): Promise<void>;
  storeSet(key: string, value: string): void;
  storeGet(key: string): string;
  destroy(): void;
}

export interface NativeGroupOptions {
  host: string;
  port: number;
  rank: number;
  worldSize: number;
  /** This rank hosts the TCPStore (torchrun's agent hosts it instead). */
  isServer: boolean;
  timeoutMs: number;
  /** The network interface Gloo binds to (GLOO_SOCKET_IFNAME); '' binds to the address `host` is reached from. */
  ifname: string;
  /** Store prefixes, outermost first: torch 1.13 uses 'default_pg' then the group's name '0'. */
  prefix: string;
  groupName: string;
  /** Gloo's worker threads (default 1). */
  threads?: number;
}

export interface NativeAddon {
  createGroup(options: NativeGroupOptions): Promise<NativeGroup>;
}

export type NativeLoad = { ok: true; addon: NativeAddon; library: string } | { ok: false; reason: string };

// build/ beside src/ and dist/
const buildDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'build');

let loaded: NativeLoad | null = null;

/** Loads the addon once per process; a failure comes back with its reason. */
export function loadNative(): NativeLoad {
  loaded ??= load();
  return loaded;
}

function load(): NativeLoad {
  const addonPath = path.join(buildDir, 'distributed.node');
  const statusPath = path.join(buildDir, 'status.json');
  const status = existsSync(statusPath) ? (JSON.parse(readFileSync(statusPath, 'utf8')) as { built: boolean; reason?: string; library?: string }) : null;
  if (!existsSync(addonPath) || status?.built === false) {
    const why = status?.reason ?? 'the install script did not run';
    return { ok: false, reason: `c10d/Gloo addon not built (${why}); install libtorch-dev, libgloo-dev and g++, then reinstall or run its build script` };
  }
  try {
    const addon = createRequire(import.meta.url)(addonPath) as NativeAddon;
    return { ok: true, addon, library: status?.library ?? 'libtorch' };
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return { ok: false, reason: `c10d/Gloo addon failed to load: ${message.slice(0, 300)}` };
  }
}
