/**
 * Decoding a dropped video with the browser: MP4 demuxed by mp4box.js (WebM
 * by ./webm.ts), frames
 * decoded by WebCodecs, and each frame's planes (I420 / I422 / I444, as the
 * codec defines them bit for bit) turned into rgb24 by video-io's
 * `yuvToRgb`, then resized by its `resizeRgb`: the code Node runs on
 * ffmpeg's planes, so the page's frames are the CLI's frames.
 *
 * Frame numbers are the decoder's output order (presentation order), as
 * ffmpeg's `-vsync passthrough` numbers them; the frame count is the track's
 * sample count, as ffprobe's packet count.
 */

import { type ChromaFormat, resizeRgb, shorterSide, yuvPlanes, yuvToRgb } from '@trajectorynet/video-io';
import { createFile, DataStream, Endianness, type Sample } from 'mp4box';
import { demuxWebm, type EncodedFrame, WebmError, webCodecsCodec } from './webm.js';

/** A demuxed video track, whatever its container: what WebCodecs needs, and every encoded frame in presentation order. */
export interface VideoTrack {
  container: 'MP4' | 'WebM';
  codec: string;
  width: number;
  height: number;
  fps: number;
  frames: EncodedFrame[];
  description?: Uint8Array;
}

export class DecodeError extends Error {
  override name = 'DecodeError';
}

/** Demuxes an MP4 or a WebM (told apart by their first bytes). */
export async function openVideo(blob: Blob): Promise<VideoTrack> {
  const head = new Uint8Array(await blob.slice(0, 4).arrayBuffer());
  if (head[0] === 0x1a && head[1] === 0x45 && head[2] === 0xdf && head[3] === 0xa3) return openWebm(blob);
  return openMp4(blob);
}

async function openWebm(blob: Blob): Promise<VideoTrack> {
  try {
    const video = demuxWebm(new Uint8Array(await blob.arrayBuffer()));
    const { codec, description } = webCodecsCodec(video);
    return { container: 'WebM', codec, description, width: video.width, height: video.height, fps: video.fps, frames: video.frames };
  } catch (error) {
    if (error instanceof WebmError) throw new DecodeError(error.message);
    throw error;
  }
}

/** Parses the MP4 and returns its first video track's samples (no decoding yet). */
async function openMp4(blob: Blob): Promise<VideoTrack> {
  const buffer = (await blob.arrayBuffer()) as ArrayBuffer & { fileStart: number };
  buffer.fileStart = 0;
  const file = createFile();
  const info = await new Promise<{ videoTracks: { id: number; codec: string; video?: { width: number; height: number }; nb_samples: number; timescale: number; duration: number }[] }>((resolve, reject) => {
    file.onError = (_module: string, message: string) => reject(new DecodeError(`not a readable MP4 (${message})`));
    file.onReady = resolve as never;
    file.appendBuffer(buffer);
    file.flush();
    setTimeout(() => reject(new DecodeError('neither an MP4 (no movie header found) nor a WebM: the page decodes MP4 (H.264, VP9, AV1) and WebM (VP8, VP9, AV1)')), 0);
  });
  const track = info.videoTracks[0];
  if (track == null) throw new DecodeError('the MP4 has no video track');
  const samples = file.getTrackSamplesInfo(track.id) as Sample[];
  const entry = file.getTrackById(track.id).mdia.minf.stbl.stsd.entries[0] as unknown as Record<string, { write(stream: DataStream): void } | undefined>;
  const box = entry.avcC ?? entry.hvcC ?? entry.vpcC ?? entry.av1C;
  let description: Uint8Array | undefined;
  if (box != null) {
    const stream = new DataStream(undefined, 0, Endianness.BIG_ENDIAN);
    box.write(stream);
    description = new Uint8Array(stream.buffer as ArrayBuffer, 8); // without the box header
  }
  const duration = track.duration / track.timescale;
  // in decoding order, as the decoder wants them; it outputs presentation order
  const frames = samples.map((sample) => ({ key: sample.is_sync, timestamp: (1e6 * sample.cts) / sample.timescale, data: new Uint8Array(buffer, sample.offset, sample.size) }));
  return { container: 'MP4', codec: track.codec, width: track.video?.width ?? 0, height: track.video?.height ?? 0, fps: duration > 0 ? samples.length / duration : 0, frames, description };
}

const CHROMA: Record<string, ChromaFormat> = { I420: '420', I420A: '420', I422: '422', I444: '444' };

/** rgb24 of a decoded frame: its planes through yuvToRgb (NV12 de-interleaved first); RGB frames copied. */
async function frameToRgb(frame: VideoFrame): Promise<{ rgb: Uint8Array; exact: boolean }> {
  const { width, height } = frame.visibleRect as DOMRectReadOnly;
  const rect = { x: 0, y: 0, width, height };
  const format = frame.format ?? '';
  const fullRange = frame.colorSpace?.fullRange === true;
  if (CHROMA[format] != null) {
    const chroma = CHROMA[format];
    const data = new Uint8Array(frame.allocationSize({ rect }));
    const layout = await frame.copyTo(data, { rect });
    const cw = chroma === '444' ? width : Math.ceil(width / 2);
    const ch = chroma === '420' ? Math.ceil(height / 2) : height;
    const packed = new Uint8Array(width * height + 2 * cw * ch);
    const copyPlane = (p: number, w: number, h: number, at: number) => {
      for (let row = 0; row < h; row++) packed.set(data.subarray(layout[p].offset + row * layout[p].stride, layout[p].offset + row * layout[p].stride + w), at + row * w);
    };
    copyPlane(0, width, height, 0);
    copyPlane(1, cw, ch, width * height);
    copyPlane(2, cw, ch, width * height + cw * ch);
    return { rgb: yuvToRgb(yuvPlanes(packed, width, height, chroma, fullRange)), exact: true };
  }
  if (format === 'NV12') {
    const data = new Uint8Array(frame.allocationSize({ rect }));
    const layout = await frame.copyTo(data, { rect });
    const [cw, ch] = [Math.ceil(width / 2), Math.ceil(height / 2)];
    const packed = new Uint8Array(width * height + 2 * cw * ch);
    for (let row = 0; row < height; row++) packed.set(data.subarray(layout[0].offset + row * layout[0].stride, layout[0].offset + row * layout[0].stride + width), row * width);
    for (let row = 0; row < ch; row++) {
      for (let col = 0; col < cw; col++) {
        const s = layout[1].offset + row * layout[1].stride + col * 2;
        packed[width * height + row * cw + col] = data[s];
        packed[width * height + cw * ch + row * cw + col] = data[s + 1];
      }
    }
    return { rgb: yuvToRgb(yuvPlanes(packed, width, height, '420', fullRange)), exact: true };
  }
  // anything else: the browser's own conversion (not the CLI's pixels)
  const rgba = new Uint8Array(width * height * 4);
  await frame.copyTo(rgba, { rect, format: 'RGBX' } as VideoFrameCopyToOptions);
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) rgb.set(rgba.subarray(i * 4, i * 4 + 3), i * 3);
  return { rgb, exact: false };
}

/**
 * rgb24 of a VideoFrame (a decoded video's or a camera's) at the pipeline's
 * decoding size: its planes through `yuvToRgb`, then `resizeRgb` so that the
 * shorter side is `resizeShorter` when given. The caller closes the frame.
 */
export async function videoFrameRgb(frame: VideoFrame, resizeShorter: number | undefined): Promise<{ rgb: Uint8Array; exact: boolean; sourceWidth: number; sourceHeight: number; width: number; height: number }> {
  const { width, height } = frame.visibleRect as DOMRectReadOnly;
  const { rgb, exact } = await frameToRgb(frame);
  const size = resizeShorter != null ? shorterSide({ width, height }, resizeShorter) : { width, height };
  return { rgb: resizeShorter != null ? resizeRgb(rgb, width, height, size.width, size.height) : rgb, exact, sourceWidth: width, sourceHeight: height, ...size };
}

export interface DecodedFrames {
  /** Decoded size before any resize. */
  sourceWidth: number;
  sourceHeight: number;
  /** Size of the frames in `frames` (the pipeline's decoding size). */
  width: number;
  height: number;
  frames: Map<number, Uint8Array>;
  /** False when some frame came in a pixel format the page converts with the browser's code (not the CLI's). */
  exact: boolean;
  format: string;
}

/** Decodes the wanted frames (0-based, presentation order) of a track, resized so that the shorter side is `resizeShorter` when given. */
export async function decodeFrames(track: VideoTrack, wanted: number[], resizeShorter: number | undefined, onFrame?: (done: number) => void): Promise<DecodedFrames> {
  if (typeof VideoDecoder === 'undefined') throw new DecodeError('this browser has no WebCodecs (VideoDecoder): use a recent Chrome, Edge or Firefox, over https or localhost');
  const config: VideoDecoderConfig = { codec: track.codec, codedWidth: track.width, codedHeight: track.height, description: track.description };
  const support = await VideoDecoder.isConfigSupported(config);
  if (!support.supported) throw new DecodeError(`this browser cannot decode ${track.codec}`);
  const want = new Set(wanted);
  const last = Math.max(...wanted);
  const out: DecodedFrames = { sourceWidth: 0, sourceHeight: 0, width: 0, height: 0, frames: new Map(), exact: true, format: '' };
  let index = 0;
  let failure: Error | null = null;
  const conversions: Promise<void>[] = [];
  const decoder = new VideoDecoder({
    output: (frame) => {
      const i = index++;
      if (!want.has(i)) {
        frame.close();
        return;
      }
      conversions.push(
        (async () => {
          try {
            out.format = frame.format ?? 'unknown';
            const { rgb, exact, ...sizes } = await videoFrameRgb(frame, resizeShorter);
            out.exact &&= exact;
            Object.assign(out, sizes);
            out.frames.set(i, rgb);
            onFrame?.(out.frames.size);
          } finally {
            frame.close();
          }
        })(),
      );
    },
    error: (error) => {
      failure = error;
    },
  });
  decoder.configure(config);
  for (const frame of track.frames) {
    decoder.decode(new EncodedVideoChunk({ type: frame.key ? 'key' : 'delta', timestamp: frame.timestamp, data: frame.data }));
    // keep the decoder's queue short; stop feeding once the last wanted frame is out
    while (decoder.decodeQueueSize > 8) await new Promise((r) => setTimeout(r, 1));
    if (index > last) break;
  }
  await decoder.flush().catch((error) => {
    failure ??= error;
  });
  decoder.close();
  await Promise.all(conversions);
  if (failure != null) throw new DecodeError(`the decoder failed: ${(failure as Error).message}`);
  const missing = wanted.filter((i) => !out.frames.has(i));
  if (missing.length > 0) throw new DecodeError(`frame ${missing[0]} was wanted but the decoder gave ${index} frames`);
  return out;
}
