/**
 * From a decoder's own output to rgb24, in plain integer arithmetic, so that
 * Node (ffmpeg's raw planes) and browsers (WebCodecs' I420 / I422 / I444
 * planes) turn the same decoded planes into the same pixels. Codecs define
 * their decoded planes bit for bit; the RGB conversion is where decoders
 * differ (ffmpeg's swscale and Chromium's disagree by up to 12 levels).
 *
 * BT.601 coefficients (what ffmpeg assumes for untagged video) in 8-bit fixed
 * point; a subsampled chroma sample covers its block of luma (no chroma
 * interpolation, as swscale's unscaled converters).
 */
import { VideoIOError } from '../errors.js';

/** Chroma subsampling: 4:2:0 (half width and height), 4:2:2 (half width), 4:4:4 (none). */
export type ChromaFormat = '420' | '422' | '444';

/** A planar YUV frame: tightly packed planes, Y width x height, U and V at the chroma format's size. */
export interface YuvFrame {
  width: number;
  height: number;
  chroma: ChromaFormat;
  y: Uint8Array;
  u: Uint8Array;
  v: Uint8Array;
  /** JPEG (full) range instead of video range (16-235 luma, 16-240 chroma). */
  fullRange?: boolean;
}

/** Width and height of a chroma plane. */
export function chromaSize(width: number, height: number, chroma: ChromaFormat): { width: number; height: number } {
  return { width: chroma === '444' ? width : Math.ceil(width / 2), height: chroma === '420' ? Math.ceil(height / 2) : height };
}

/** Bytes of one packed planar frame (Y, then U, then V). */
export function yuvFrameBytes(width: number, height: number, chroma: ChromaFormat): number {
  const c = chromaSize(width, height, chroma);
  return width * height + 2 * c.width * c.height;
}

/** The three planes of one packed frame (views into `data`, no copy). */
export function yuvPlanes(data: Uint8Array, width: number, height: number, chroma: ChromaFormat, fullRange = false): YuvFrame {
  const luma = width * height;
  const c = chromaSize(width, height, chroma);
  const plane = c.width * c.height;
  if (data.length < luma + 2 * plane) {
    throw new VideoIOError('BAD_ARGUMENT', `a ${width}x${height} ${chroma} frame has ${luma + 2 * plane} bytes, got ${data.length}`, { path: 'frame' });
  }
  return { width, height, chroma, fullRange, y: data.subarray(0, luma), u: data.subarray(luma, luma + plane), v: data.subarray(luma + plane, luma + 2 * plane) };
}

const clamp = (value: number) => (value < 0 ? 0 : value > 255 ? 255 : value);

/** rgb24 (width * height * 3 bytes) of a planar YUV frame, into `out` when given. */
export function yuvToRgb(frame: YuvFrame, out: Uint8Array = new Uint8Array(frame.width * frame.height * 3)): Uint8Array {
  const { width, height, y, u, v } = frame;
  const chromaWidth = chromaSize(width, height, frame.chroma).width;
  const shiftX = frame.chroma === '444' ? 0 : 1;
  const shiftY = frame.chroma === '420' ? 1 : 0;
  // luma scale and offset, and the chroma factors, x256
  const [ys, yo, rv, gu, gv, bu] = frame.fullRange ? [256, 0, 359, 88, 183, 454] : [298, 16, 409, 100, 208, 516];
  let o = 0;
  for (let row = 0; row < height; row++) {
    const chromaRow = (row >> shiftY) * chromaWidth;
    for (let col = 0; col < width; col++) {
      const c = chromaRow + (col >> shiftX);
      const l = (y[row * width + col] - yo) * ys + 128;
      const du = u[c] - 128;
      const dv = v[c] - 128;
      out[o++] = clamp((l + rv * dv) >> 8);
      out[o++] = clamp((l - gu * du - gv * dv) >> 8);
      out[o++] = clamp((l + bu * du) >> 8);
    }
  }
  return out;
}
