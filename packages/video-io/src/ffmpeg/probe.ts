/** Video metadata through ffprobe. */
import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import { fromFsError, VideoIOError } from '../errors.js';
import { ffprobePath } from './binaries.js';

const run = promisify(execFile);

export interface VideoInfo {
  width: number;
  height: number;
  fps: number;
  /** Decodable video frames (counted packets of the video stream). */
  frameCount: number;
  durationSec: number;
}

function rate(text: string | undefined): number {
  if (!text) return 0;
  const [a, b] = text.split('/').map(Number);
  return b ? a / b : a;
}

export async function probeVideo(path: string): Promise<VideoInfo> {
  try {
    const s = await stat(path);
    if (s.size === 0) throw new VideoIOError('CORRUPT', 'the file is empty (0 bytes)', { path });
  } catch (error) {
    if (error instanceof VideoIOError) throw error;
    throw fromFsError(path, error);
  }
  // outside the try: a missing ffprobe is NO_FFMPEG, not a corrupt video
  const binary = ffprobePath();
  let stdout: string;
  try {
    ({ stdout } = await run(
      binary,
      ['-v', 'error', '-select_streams', 'v:0', '-count_packets', '-show_entries', 'stream=width,height,avg_frame_rate,r_frame_rate,nb_read_packets,duration:format=duration', '-of', 'json', path],
      { maxBuffer: 1 << 20 },
    ));
  } catch (error) {
    const stderr = String((error as { stderr?: string }).stderr ?? '').trim().split('\n')[0];
    throw new VideoIOError('CORRUPT', `ffprobe cannot read it: ${stderr || (error as Error).message}`, { path, cause: error });
  }
  const parsed = JSON.parse(stdout) as { streams?: Record<string, string | number>[]; format?: { duration?: string } };
  const stream = parsed.streams?.[0];
  if (stream == null) throw new VideoIOError('CORRUPT', 'no video stream', { path });
  const fps = rate(stream.avg_frame_rate as string) || rate(stream.r_frame_rate as string);
  const frameCount = Number(stream.nb_read_packets ?? 0);
  const durationSec = Number(stream.duration ?? parsed.format?.duration ?? (fps > 0 ? frameCount / fps : 0));
  return { width: Number(stream.width), height: Number(stream.height), fps, frameCount, durationSec };
}
