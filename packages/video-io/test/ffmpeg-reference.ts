import { execFileSync } from 'node:child_process';
import { ffmpegPath, yuvPlanes, yuvToRgb } from '../src/index.js';

/**
 * The frames of a full decode by ffmpeg: what `ffmpeg -i file -vsync passthrough -f rawvideo
 * -pix_fmt yuv420p -` prints (the decoder's own planes for these 4:2:0 videos), each turned into
 * rgb24 by `yuvToRgb` (tested on its own in pixels.test.ts). Decoding tests compare with it: the
 * frames, their order and the select filter's picks are what they check.
 * (`-vsync passthrough`: one output frame per coded frame; ffmpeg's default for rawvideo
 * output may duplicate frames to keep a constant rate, e.g. 33 frames for part_0.mp4's 32.)
 */
export function ffmpegReference(file: string, width: number, height: number): Buffer[] {
  const out = execFileSync(ffmpegPath(), ['-v', 'error', '-i', file, '-map', '0:v:0', '-vsync', 'passthrough', '-f', 'rawvideo', '-pix_fmt', 'yuv420p', '-'], { maxBuffer: 1 << 30 });
  const size = width * height + 2 * Math.ceil(width / 2) * Math.ceil(height / 2);
  return Array.from({ length: out.length / size }, (_, i) => Buffer.from(yuvToRgb(yuvPlanes(out.subarray(i * size, (i + 1) * size), width, height, '420'))));
}
