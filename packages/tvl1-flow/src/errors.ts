/** tvl1-flow's errors: the @trajectorynet/core convention (code, path, cause), named Tvl1Error. */
import { TrajectoryNetError } from '@trajectorynet/core';

export type Tvl1ErrorCode =
  | 'BAD_ARGUMENT' // an option with a bad value (path: the option)
  | 'BAD_INPUT' // frames of bad sizes or channels
  | 'TOO_FEW_FRAMES' // an input without a frame pair (path: the input)
  | 'NOT_WRITABLE' // an output folder that cannot be written
  | 'DISK_FULL'
  | 'WORKER'; // a flow thread died while computing a pair (path: the pair)

export class Tvl1Error extends TrajectoryNetError<Tvl1ErrorCode> {
  override name = 'Tvl1Error';
}
