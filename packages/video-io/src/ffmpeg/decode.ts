/**
 * Decoding through an ffmpeg child process: raw rgb24 frames read from its
 * stdout as a stream, so a long video is never held in memory. Pixels are
 * exactly what `ffmpeg -i file -f rawvideo -pix_fmt rgb24 -` prints.
 */
import { spawn } from 'node:child_process';
import { VideoIOError } from '../errors.js';
import { ffmpegPath } from './binaries.js';
import { probeVideo } from './probe.js';

export interface Size {
  width: number;
  height: number;
}

export interface DecodeOptions {
  /** Scale every frame to this size (ffmpeg's bilinear scaler). */
  resize?: Size;
  /** First frame to yield (0-based, inclusive). */
  start?: number;
  /** Frame to stop before (exclusive). */
  end?: number;
}

export interface DecodedFrame {
  index: number;
  width: number;
  height: number;
  /** rgb24, row-major, width * height * 3 bytes. */
  data: Uint8Array;
}

/** Yields the frames of a video in file order. */
export async function* decodeFrames(path: string, options: DecodeOptions = {}): AsyncGenerator<DecodedFrame> {
  const size = options.resize ?? (await probeVideo(path));
  const { width, height } = size;
  const frameBytes = width * height * 3;
  const args = ['-v', 'error', '-nostdin', '-i', path, '-map', '0:v:0', '-vsync', 'passthrough'];
  if (options.resize) args.push('-vf', `scale=${width}:${height}:flags=bilinear`);
  args.push('-f', 'rawvideo', '-pix_fmt', 'rgb24', '-');
  const child = spawn(ffmpegPath(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    if (stderr.length < 4000) stderr += chunk.toString();
  });
  const exited = new Promise<number>((resolve) => child.once('close', (code) => resolve(code ?? 1)));
  const start = options.start ?? 0;
  const end = options.end ?? Number.POSITIVE_INFINITY;
  let index = 0;
  let frame = new Uint8Array(frameBytes);
  let filled = 0;
  try {
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      let offset = 0;
      while (offset < chunk.length) {
        const take = Math.min(frameBytes - filled, chunk.length - offset);
        if (index >= start) frame.set(chunk.subarray(offset, offset + take), filled);
        filled += take;
        offset += take;
        if (filled === frameBytes) {
          if (index >= start) {
            yield { index, width, height, data: frame };
            frame = new Uint8Array(frameBytes);
          }
          index += 1;
          filled = 0;
          if (index >= end) return;
        }
      }
    }
    const code = await exited;
    if (code !== 0) {
      throw new VideoIOError(path, index === 0 ? 'CORRUPT' : 'TRUNCATED', `ffmpeg failed after ${index} frames: ${stderr.trim().split('\n')[0] || `exit code ${code}`}`);
    }
  } finally {
    if (child.exitCode == null) child.kill('SIGKILL');
  }
}

export interface Frames {
  width: number;
  height: number;
  /** One rgb24 buffer per requested index, in the order of `indices` (all frames when omitted). */
  frames: Uint8Array[];
}

/** Decodes the frames at `indices` (0-based; all frames when omitted). */
export async function readFrames(path: string, options: { indices?: number[]; resize?: Size } = {}): Promise<Frames> {
  const wanted = options.indices;
  if (wanted?.some((i) => !Number.isInteger(i) || i < 0)) throw new VideoIOError(path, 'BAD_ARGUMENT', `frame indices must be non-negative integers, got [${wanted}]`);
  const needed = wanted != null ? new Set(wanted) : null;
  const last = wanted != null ? Math.max(...wanted) : Number.POSITIVE_INFINITY;
  const byIndex = new Map<number, Uint8Array>();
  const all: Uint8Array[] = [];
  let width = options.resize?.width ?? 0;
  let height = options.resize?.height ?? 0;
  let count = 0;
  for await (const frame of decodeFrames(path, { resize: options.resize, end: last + 1 })) {
    width = frame.width;
    height = frame.height;
    count = frame.index + 1;
    if (needed == null) all.push(frame.data);
    else if (needed.has(frame.index)) byIndex.set(frame.index, frame.data);
  }
  if (wanted == null) return { width, height, frames: all };
  const missing = wanted.filter((i) => !byIndex.has(i));
  if (missing.length > 0) {
    throw new VideoIOError(path, 'OUT_OF_RANGE', `frame ${missing[0]} requested but the video has ${count} decodable frames`);
  }
  return { width, height, frames: wanted.map((i) => byIndex.get(i) as Uint8Array) };
}
