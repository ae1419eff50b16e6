/**
 * resnet-s3d's errors: the @trajectorynet/core convention. BAD_ARGUMENT for a
 * bad network config (path: the option), BAD_CHECKPOINT for a weights file
 * that cannot be read or does not fit the network (path: the file).
 */
import { TrajectoryNetError } from '@trajectorynet/core';

export class ResNetS3DError extends TrajectoryNetError<'BAD_ARGUMENT' | 'BAD_CHECKPOINT'> {
  override name = 'ResNetS3DError';
}
