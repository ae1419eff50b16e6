/**
 * Decoding through an ffmpeg child process: the decoder's own planes
 * (`ffmpeg -i file -f rawvideo -pix_fmt yuv420p -` for yuv420p video: no
 * conversion by ffmpeg) read from its stdout as a stream, so a long video is
 * never held in memory, then turned into rgb24 and resized by this package's
 * code (frames/yuv.ts, frames/resize.ts). Browsers decode the same planes
 * (WebCodecs), and the same code gives them the same pixels.
 */
import { spawn } from 'node:child_process';
import { VideoIOError } from '../errors.js';
import { resizeRgb } from '../frames/resize.js';
import { type ChromaFormat, yuvFrameBytes, yuvPlanes, yuvToRgb } from '../frames/yuv.js';
import { ffmpegPath } from './binaries.js';
import { probeVideo } from './probe.js';

export interface Size {
  width: number;
  height: number;
}

export interface DecodeOptions {
  /** Scale every frame to this size (`resizeRgb`: a bilinear filter that averages when shrinking). */
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

const PLANAR: Record<string, ChromaFormat> = { yuv420p: '420', yuvj420p: '420', yuv422p: '422', yuvj422p: '422', yuv444p: '444', yuvj444p: '444' };

/**
 * What ffmpeg is asked to write for a video decoded as `decoded`: 8-bit
 * planar YUV as it is (full-range yuvj formats too, not range-converted), RGB
 * video as rgb24 (lossless), anything else (10-bit, NV12, ...) converted to
 * yuv420p by ffmpeg.
 */
function rawFormat(decoded: string): { pixelFormat: string; chroma: ChromaFormat | 'rgb' } {
  if (PLANAR[decoded] != null) return { pixelFormat: decoded, chroma: PLANAR[decoded] };
  if (/^(gbrp|gbrap|rgb24|bgr24|rgba|bgra|argb|abgr|rgb0|bgr0|0rgb|0bgr)$/.test(decoded)) return { pixelFormat: 'rgb24', chroma: 'rgb' };
  return { pixelFormat: 'yuv420p', chroma: '420' };
}

/** Yields the frames of a video in file order. */
export async function* decodeFrames(path: string, options: DecodeOptions = {}): AsyncGenerator<DecodedFrame> {
  const info = await probeVideo(path, { countFrames: false });
  const { width, height } = options.resize ?? info;
  const { pixelFormat, chroma } = rawFormat(info.pixelFormat);
  const frameBytes = chroma === 'rgb' ? info.width * info.height * 3 : yuvFrameBytes(info.width, info.height, chroma);
  const toRgb = (raw: Uint8Array) => {
    const rgb = chroma === 'rgb' ? raw.slice() : yuvToRgb(yuvPlanes(raw, info.width, info.height, chroma, info.fullRange));
    return options.resize ? resizeRgb(rgb, info.width, info.height, width, height) : rgb;
  };
  const start = options.start ?? 0;
  const end = options.end ?? Number.POSITIVE_INFINITY;
  // with `indices`, output frame k is frame selected[k] of the file
  const selected = options.indices && [...new Set(options.indices)].filter((i) => i >= start && i < end).sort((a, b) => a - b);
  if (selected?.length === 0) return;
  const filters: string[] = [];
  if (selected) filters.push(selectExpression(selected));
  const args = ['-v', 'error', '-nostdin', '-i', path, '-map', '0:v:0', '-vsync', 'passthrough'];
  if (filters.length > 0) args.push('-vf', filters.join(','));
  if (selected) args.push('-frames:v', String(selected.length));
  args.push('-f', 'rawvideo', '-pix_fmt', pixelFormat, '-');
  const child = spawn(ffmpegPath(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    if (stderr.length < 4000) stderr += chunk.toString();
  });
  const exited = new Promise<number>((resolve) => child.once('close', (code) => resolve(code ?? 1)));
  let count = 0; // frames out of ffmpeg so far
  const frame = new Uint8Array(frameBytes); // reused: each frame is converted before it is yielded
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
            yield { index, width, height, data: toRgb(frame) };
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
