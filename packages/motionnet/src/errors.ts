/** motionnet's errors: the @trajectorynet/core convention; `path` names the function or option at fault. */
import { TrajectoryNetError } from '@trajectorynet/core';

export class MotionNetError extends TrajectoryNetError<'BAD_ARGUMENT' | 'BAD_INPUT'> {
  override name = 'MotionNetError';
}
