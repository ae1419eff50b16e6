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
  /**
   * Only these frames (0-based; yielded once each, in file order). ffmpeg
   * still decodes up to the last one, but converts and pipes only these
   * (its `select` filter), so sparse frames of a long video cost far less.
   */
  indices?: number[];
}

export interface DecodedFrame {
  index: number;
  width: number;
  height: number;
  /** rgb24, row-major, width * height * 3 bytes. */
  data: Uint8Array;
}

/** ffmpeg's select expression for sorted frame numbers: runs of consecutive frames become one between(). */
function selectExpression(sorted: number[]): string {
  const terms: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    terms.push(i === j ? `eq(n\\,${sorted[i]})` : `between(n\\,${sorted[i]}\\,${sorted[j]})`);
    i = j + 1;
  }
  return `select='${terms.join('+')}'`;
}

/** Yields the frames of a video in file order. */
export async function* decodeFrames(path: string, options: DecodeOptions = {}): AsyncGenerator<DecodedFrame> {
  const size = options.resize ?? (await probeVideo(path));
  const { width, height } = size;
  const frameBytes = width * height * 3;
  const start = options.start ?? 0;
  const end = options.end ?? Number.POSITIVE_INFINITY;
  // with `indices`, output frame k is frame selected[k] of the file
  const selected = options.indices && [...new Set(options.indices)].filter((i) => i >= start && i < end).sort((a, b) => a - b);
  if (selected?.length === 0) return;
  const filters: string[] = [];
  if (selected) filters.push(selectExpression(selected));
  if (options.resize) filters.push(`scale=${width}:${height}:flags=bilinear`);
  const args = ['-v', 'error', '-nostdin', '-i', path, '-map', '0:v:0', '-vsync', 'passthrough'];
  if (filters.length > 0) args.push('-vf', filters.join(','));
  if (selected) args.push('-frames:v', String(selected.length));
  args.push('-f', 'rawvideo', '-pix_fmt', 'rgb24', '-');
  const child = spawn(ffmpegPath(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    if (stderr.length < 4000) stderr += chunk.toString();
  });
  const exited = new Promise<number>((resolve) => child.once('close', (code) => resolve(code ?? 1)));
  let count = 0; // frames out of ffmpeg so far
  let frame = new Uint8Array(frameBytes);
  let filled = 0;
  try {
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      let offset = 0;
      while (offset < chunk.length) {
        const index = selected ? selected[count] : count;
        const take = Math.min(frameBytes - filled, chunk.length - offset);
        if (index >= start) frame.set(chunk.subarray(offset, offset + take), filled);
        filled += take;
        offset += take;
        if (filled === frameBytes) {
          if (index >= start) {
            yield { index, width, height, data: frame };
            frame = new Uint8Array(frameBytes);
          }
          count += 1;
          filled = 0;
          if (index + 1 >= end || (selected && count === selected.length)) return;
        }
      }
    }
    const code = await exited;
    if (code !== 0) {
      throw new VideoIOError(count === 0 ? 'CORRUPT' : 'TRUNCATED', `ffmpeg failed after ${count} frames: ${stderr.trim().split('\n')[0] || `exit code ${code}`}`, { path });
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

/** Decodes the frames at `indices` (0-based; all frames when omitted); only those frames are converted and piped. */
export async function readFrames(path: string, options: { indices?: number[]; resize?: Size } = {}): Promise<Frames> {
  const wanted = options.indices;
  if (wanted?.some((i) => !Number.isInteger(i) || i < 0)) throw new VideoIOError('BAD_ARGUMENT', `frame indices must be non-negative integers, got [${wanted}]`, { path });
  if (wanted?.length === 0) return { width: options.resize?.width ?? 0, height: options.resize?.height ?? 0, frames: [] };
  const byIndex = new Map<number, Uint8Array>();
  const all: Uint8Array[] = [];
  let width = options.resize?.width ?? 0;
  let height = options.resize?.height ?? 0;
  for await (const frame of decodeFrames(path, { resize: options.resize, indices: wanted })) {
    width = frame.width;
    height = frame.height;
    if (wanted == null) all.push(frame.data);
    else byIndex.set(frame.index, frame.data);
  }
  if (wanted == null) return { width, height, frames: all };
  const missing = wanted.filter((i) => !byIndex.has(i));
  if (missing.length > 0) {
    const { frameCount } = await probeVideo(path);
    throw new VideoIOError('OUT_OF_RANGE', `frame ${Math.min(...missing)} requested but the video has ${frameCount} decodable frames`, { path });
  }
  return { width, height, frames: wanted.map((i) => byIndex.get(i) as Uint8Array) };
}
