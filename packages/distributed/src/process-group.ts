/**
 * A process group over PyTorch's c10d: a TCPStore rendezvous, then Gloo
 * collectives on Float32Arrays in place. Errors are DistributedErrors whose
 * path names this rank; after one the group is dead (Gloo cannot go on), and
 * every later call says why.
 */
import { DistributedError } from './errors.js';
import type { LaunchEnv } from './launch-env.js';
import { loadNative, type NativeGroup } from './native.js';

export interface ProcessGroupOptions {
  rank: number;
  worldSize: number;
  masterAddr: string;
  masterPort: number;
  /** How long a rendezvous or a collective may wait for the other ranks (ms). */
  timeoutMs: number;
  /** The network interface Gloo binds to (GLOO_SOCKET_IFNAME); '' or unset: the one MASTER_ADDR is reached from. */
  ifname?: string;
  /** torchrun's agent hosts the store: rank 0 connects as a client. */
  agentStore?: boolean;
  /** torchrun's restart count (the store prefix of each attempt when the agent hosts the store). */
  restartCount?: number;
  /**
   * Gloo's worker threads (default 1). One collective runs on one thread; a
   * second helps only collectives in flight together, and on a machine whose
   * cores the ranks fill it competes with them.
   */
  threads?: number;
}

export type ReduceOp = 'sum' | 'max' | 'min';

/** The format gradients travel in (DDP's communication hooks: none, fp16_compress_hook, bf16_compress_hook). */
export type GradCompression = 'none' | 'fp16' | 'bf16';

export const GRAD_COMPRESSIONS: readonly GradCompression[] = ['none', 'fp16', 'bf16'];

/** The options of a launch environment (see readLaunchEnv) with a timeout. */
export function groupOptionsFrom(env: LaunchEnv, timeoutMs: number): ProcessGroupOptions {
  return { ...env, timeoutMs };
}

interface NativeFailure {
  message: string;
  kind?: string;
}

function asFailure(error: unknown): NativeFailure {
  if (error instanceof Error) return { message: error.message, kind: (error as Error & { kind?: string }).kind };
  return { message: String(error) };
}

export class ProcessGroup {
  readonly rank: number;
  readonly worldSize: number;
  readonly timeoutMs: number;
  private native: NativeGroup | null;
  private dead: DistributedError | null = null;
  private collectives = 0;

  private constructor(native: NativeGroup, options: ProcessGroupOptions) {
    this.native = native;
    this.rank = options.rank;
    this.worldSize = options.worldSize;
    this.timeoutMs = options.timeoutMs;
  }

  /** Meets the other ranks (torch 1.13's init_process_group: store, Gloo mesh, store barrier, sequence number). */
  static async create(options: ProcessGroupOptions): Promise<ProcessGroup> {
    const where = `rank ${options.rank}`;
    if (!Number.isInteger(options.timeoutMs) || options.timeoutMs < 1) {
      throw new DistributedError('BAD_CONFIG', `the timeout must be a positive number of milliseconds, got ${options.timeoutMs}`, { path: where });
    }
    const load = loadNative();
    if (!load.ok) throw new DistributedError('DIST_UNAVAILABLE', load.reason, { path: where });
    const attempt = options.agentStore === true ? `/worker/attempt_${options.restartCount ?? 0}/` : '';
    try {
      const native = await load.addon.createGroup({
        host: options.masterAddr,
        port: options.masterPort,
        rank: options.rank,
        worldSize: options.worldSize,
        isServer: options.rank === 0 && options.agentStore !== true,
        timeoutMs: options.timeoutMs,
        ifname: options.ifname ?? '',
        prefix: `${attempt}default_pg`,
        groupName: '0',
        threads: options.threads ?? 1,
      });
      return new ProcessGroup(native, options);
    } catch (error) {
      const failure = asFailure(error);
      const code = failure.kind === 'peer' ? 'RANK_LOST' : 'RANK_TIMEOUT';
      throw new DistributedError(
        code,
        `no process group of ${options.worldSize} ranks at ${options.masterAddr}:${options.masterPort} within ${seconds(options.timeoutMs)} (${failure.message}); did every rank start, with the same MASTER_ADDR, MASTER_PORT and WORLD_SIZE?`,
        { path: where, cause: error },
      );
    }
  }

  /** Sums (or max, min) `buffer` over the ranks, in place; every rank must call it in the same order. */
  allreduce(buffer: Float32Array, op: ReduceOp = 'sum'): Promise<void> {
    return this.run(`allreduce of ${buffer.length} floats`, (native) => native.allreduce(buffer, op));
  }

  /**
   * Sums `buffer` over the ranks in place, then multiplies its first
   * `scaleEnd` values by `scale` in the addon's waiting thread (an average
   * without another pass on the main thread).
   */
  allreduceScaled(buffer: Float32Array, scaleEnd: number, scale: number): Promise<void> {
    if (!Number.isInteger(scaleEnd) || scaleEnd < 0 || scaleEnd > buffer.length) {
      throw new DistributedError('BAD_CONFIG', `scaleEnd must be an integer in [0, ${buffer.length}], got ${scaleEnd}`, { path: `rank ${this.rank}` });
    }
    return this.run(`allreduce of ${buffer.length} floats`, (native) => native.allreduce(buffer, 'sum', scaleEnd, scale));
  }

  /**
   * Sums `buffer`'s first `end` values over the ranks, sent in half
   * precision, in place: each rank's values times `prescale` (e.g.
   * 1 / ranks, before the cast) are rounded to `format`, allgathered, summed
   * in float32 in rank order (the same sum on every rank) and multiplied by
   * `postscale`. Resolves with how many of the results are not finite (a
   * value past the format's range on some rank: fp16's is 65504), the same
   * count on every rank. An allgather, not Gloo's float16 allreduce, which
   * in Gloo 1.13 sums some values wrongly (and has no bfloat16): each rank
   * receives (ranks - 1) x 2 bytes per value, against about
   * 2 (ranks - 1) / ranks x 4 for a float32 allreduce, so this halves the
   * traffic at 2 ranks, breaks even at 4 and loses beyond.
   */
  async allreduceCompressed(buffer: Float32Array, end: number, format: Exclude<GradCompression, 'none'>, prescale: number, postscale = 1): Promise<number> {
    if (!Number.isInteger(end) || end < 0 || end > buffer.length) {
      throw new DistributedError('BAD_CONFIG', `end must be an integer in [0, ${buffer.length}], got ${end}`, { path: `rank ${this.rank}` });
    }
    if (format !== 'fp16' && format !== 'bf16') throw new DistributedError('BAD_CONFIG', `gradient compression must be fp16 or bf16, got ${String(format)}`, { path: `rank ${this.rank}` });
    return this.run(`${format} allreduce of ${end} values`, (native) => native.allreduceCompressed(buffer, end, format, prescale, postscale));
  }

  /** How many of `buffer`'s first `end` values are NaN or infinite (one native pass, no collective). */
  countNonFinite(buffer: Float32Array, end = buffer.length): number {
    if (this.native == null) throw new DistributedError('BAD_CONFIG', 'the process group was destroyed', { path: `rank ${this.rank}` });
    return this.native.countNonFinite(buffer, end);
  }

  /** Copies `root`'s `buffer` into every rank's, in place. */
  broadcast(buffer: Float32Array, root = 0): Promise<void> {
    return this.run(`broadcast of ${buffer.length} floats from rank ${root}`, (native) => native.broadcast(buffer, root));
  }

  /** Leaves the group (its sockets close; other ranks still in a collective see this rank lost). */
  destroy(): void {
    this.native?.destroy();
    this.native = null;
  }

  private async run<T>(what: string, call: (native: NativeGroup) => Promise<T>): Promise<T> {
    if (this.dead != null) throw this.dead;
    if (this.native == null) throw new DistributedError('BAD_CONFIG', 'the process group was destroyed', { path: `rank ${this.rank}` });
    this.collectives += 1;
    const number = this.collectives;
    try {
      return await call(this.native);
    } catch (error) {
      const failure = asFailure(error);
      this.dead =
        failure.kind === 'timeout'
          ? new DistributedError('RANK_TIMEOUT', `another rank did not take part in collective #${number} (${what}) within ${seconds(this.timeoutMs)}: stuck or gone (${failure.message})`, {
              path: `rank ${this.rank}`,
              cause: error,
            })
          : new DistributedError('RANK_LOST', `lost another rank during collective #${number} (${what}): ${failure.message}`, { path: `rank ${this.rank}`, cause: error });
      throw this.dead;
    }
  }
}

function seconds(ms: number): string {
  return `${ms / 1000} s`;
}
