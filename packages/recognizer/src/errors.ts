/** recognizer's errors: the @trajectorynet/core convention (BAD_ARGUMENT with the config key or input as `path`). */
import { TrajectoryNetError } from '@trajectorynet/core';

export class RecognizerError extends TrajectoryNetError<'BAD_ARGUMENT' | 'BAD_INPUT'> {
  override name = 'RecognizerError';
}
