/** video-io's errors: the core convention (code, path, cause), named VideoIOError. */
import { TrajectoryNetError } from '@trajectorynet/core';

export type VideoIOErrorCode =
  | 'ENOENT' // the file or folder does not exist
  | 'CORRUPT' // not a readable video/image/flow file
  | 'TRUNCATED' // shorter than its header or index says
  | 'OUT_OF_RANGE' // a frame index past the end
  | 'BAD_MANIFEST' // a bad line in a dataset list/CSV/JSON
  | 'NO_FFMPEG' // no usable ffmpeg/ffprobe binary
  | 'BAD_ARGUMENT' // an option with a bad value
  | 'WORKER'; // a loader worker thread died or was closed while loading the file

export class VideoIOError extends TrajectoryNetError<VideoIOErrorCode> {
  override name = 'VideoIOError';
}

/** Maps a Node fs error on `path` to a VideoIOError (ENOENT stays ENOENT, the rest CORRUPT). */
export function fromFsError(path: string, error: unknown): VideoIOError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new VideoIOError('ENOENT', 'no such file or folder', { path, cause: error });
  return new VideoIOError('CORRUPT', `cannot read (${code ?? (error as Error).message})`, { path, cause: error });
}
