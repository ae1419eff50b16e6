/**
 * @trajectorynet/distributed: data-parallel training over PyTorch's c10d
 * (TCPStore rendezvous, Gloo collectives), launched like torchrun. The
 * native part is optional: without it the package loads and
 * `distributedAvailability()` says why distribution is off.
 */
export { DataParallel, type DataParallelOptions, fingerprint, modelSignature, type ReducedStep, type SyncedWeight } from './data-parallel.js';
export { DistributedError, type DistributedErrorCode } from './errors.js';
export { freeLocalPort, type LaunchEnv, localRankEnv, readLaunchEnv } from './launch-env.js';
export { GRAD_COMPRESSIONS, type GradCompression, groupOptionsFrom, ProcessGroup, type ProcessGroupOptions, type ReduceOp } from './process-group.js';

import { loadNative } from './native.js';

/** Whether process groups can be created here, and if not why (one line). */
export function distributedAvailability(): { ok: true; library: string } | { ok: false; reason: string } {
  const load = loadNative();
  return load.ok ? { ok: true, library: load.library } : { ok: false, reason: load.reason };
}
