/** training's errors: the @trajectorynet/core convention (code, path: the config key or file at fault). */
import { TrajectoryNetError } from '@trajectorynet/core';

export type TrainingErrorCode =
  | 'BAD_CONFIG' // a config file or flag has a bad key or value
  | 'BAD_INPUT' // a bad command input (a run folder in use, a missing file given on the command line)
  | 'BAD_DATA' // a dataset path is missing, empty or unreadable, or the splits disagree
  | 'BAD_CHECKPOINT' // a checkpoint is damaged or does not fit
  | 'DIVERGED'; // the loss became NaN or infinite

export class TrainingError extends TrajectoryNetError<TrainingErrorCode> {
  override name = 'TrainingError';
}
