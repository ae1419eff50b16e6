/** trajectory-conv's errors: the @trajectorynet/core convention; `path` names the op or layer, the message the argument. */
import { TrajectoryNetError } from '@trajectorynet/core';

export class TrajectoryConvError extends TrajectoryNetError<'BAD_ARGUMENT'> {
  override name = 'TrajectoryConvError';
}
