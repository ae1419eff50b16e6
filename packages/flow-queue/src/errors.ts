/**
 * Errors of the flow queue: TrajectoryNetErrors (code, path, cause) whose
 * code decides the exit code of the command line and whether a failed
 * video is worth trying again.
 */
import { categoryOf, type ErrorCode, type ErrorDetails, isTrajectoryNetError, TrajectoryNetError } from '@trajectorynet/core';

export type FlowQueueErrorCode = ErrorCode;

export class FlowQueueError extends TrajectoryNetError {
  constructor(code: FlowQueueErrorCode, message: string, details: ErrorDetails = {}) {
    super(code, message, details);
    this.name = 'FlowQueueError';
  }
}

/**
 * What an extraction threw, as a TrajectoryNetError: the errors of video-io
 * and tvl1-flow are TrajectoryNetErrors already (an empty or audio-only
 * video is CORRUPT, a one-frame video TOO_FEW_FRAMES, a full disk
 * DISK_FULL); a file-system error of the worker's own (creating, renaming
 * folders) names the output folder; anything else is returned unchanged (a
 * bug or an unexpected failure: internal).
 */
export function extractionError(error: unknown, outFolder: string): unknown {
  if (isTrajectoryNetError(error)) return error;
  const errno = (error as NodeJS.ErrnoException | null)?.code;
  if (errno === 'ENOSPC' || errno === 'EDQUOT') return new FlowQueueError('DISK_FULL', 'no space left on the device', { path: outFolder, cause: error });
  if (errno === 'EACCES' || errno === 'EROFS' || errno === 'EPERM') return new FlowQueueError('NOT_WRITABLE', `cannot write (${errno})`, { path: outFolder, cause: error });
  return error;
}

/**
 * Bad input (an option, a setting) or bad data (an empty, audio-only,
 * damaged or too short video, a missing file) fails the same way on every
 * attempt and every machine: such a job fails at once instead of being
 * retried. Problems of the machine (disk full, ffmpeg missing) and bugs are
 * worth another attempt, possibly on another worker.
 */
export function isPermanent(error: unknown): boolean {
  if (!isTrajectoryNetError(error)) return false;
  const category = categoryOf(error.code);
  return category === 'input' || category === 'data';
}
