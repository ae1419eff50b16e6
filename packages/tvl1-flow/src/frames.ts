/**
 * The frames of a video file or a frame folder, one at a time, so that an
 * extraction holds only the frames of the pairs in flight.
 */
import path from 'node:path';
import { countFolderFrames, DEFAULT_TEMPLATE, decodeFrames, frameFileName, readImage, type Size, VideoIOError } from '@trajectorynet/video-io';

export interface StreamFrame {
  width: number;
  height: number;
  /** rgb24, row-major. */
  data: Uint8Array;
}

/** Frames of a folder in order; a frame whose size differs from the first is a VideoIOError naming its file. */
async function* folderFrames(dir: string, template: string, resize?: Size): AsyncGenerator<StreamFrame> {
  const count = await countFolderFrames(dir, template);
  let first: StreamFrame | undefined;
  for (let i = 0; i < count; i++) {
    const file = path.join(dir, frameFileName(template, i));
    const image = await readImage(file, resize);
    first ??= image;
    if (image.width !== first.width || image.height !== first.height) {
      throw new VideoIOError('CORRUPT', `size ${image.width}x${image.height} differs from the folder's ${first.width}x${first.height}`, { path: file });
    }
    yield image;
  }
}

export function streamFrames(input: string, isFolder: boolean, options: { template?: string; resize?: Size }): AsyncGenerator<StreamFrame> {
  return isFolder ? folderFrames(input, options.template ?? DEFAULT_TEMPLATE, options.resize) : decodeFrames(input, { resize: options.resize });
}
