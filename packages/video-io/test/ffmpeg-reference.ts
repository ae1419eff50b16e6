import { execFileSync } from 'node:child_process';
import { ffmpegPath } from '../src/index.js';

/**
 * What `ffmpeg -i file -vsync passthrough -f rawvideo -pix_fmt rgb24 -` prints, split into frames.
 * (`-vsync passthrough`: one output frame per coded frame; ffmpeg's default for rawvideo
 * output may duplicate frames to keep a constant rate, e.g. 33 frames for part_0.mp4's 32.)
 */
export function ffmpegReference(file: string, width: number, height: number): Buffer[] {
  const out = execFileSync(ffmpegPath(), ['-v', 'error', '-i', file, '-map', '0:v:0', '-vsync', 'passthrough', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { maxBuffer: 1 << 30 });
  const size = width * height * 3;
  return Array.from({ length: out.length / size }, (_, i) => out.subarray(i * size, (i + 1) * size));
}
