/** distributed's errors: the @trajectorynet/core convention; `path` names the rank that reports. */
import { TrajectoryNetError } from '@trajectorynet/core';

export type DistributedErrorCode =
  | 'BAD_CONFIG' // a bad launch setting (RANK, WORLD_SIZE, MASTER_PORT, a timeout)
  | 'DIST_UNAVAILABLE' // the c10d/Gloo addon is not built or does not load
  | 'RANK_MISMATCH' // ranks started with different models or configs
  | 'RANK_LOST' // another rank died or closed its connection
  | 'RANK_TIMEOUT'; // a collective or the rendezvous ran out of time

export class DistributedError extends TrajectoryNetError<DistributedErrorCode> {
  override name = 'DistributedError';
}
