/**
 * The pixel code Node and browsers share: YUV -> rgb24 against the BT.601 formulas in floating
 * point and against ffmpeg's own conversion on real videos, and the resize against a direct 2D
 * evaluation of the triangle filter.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '@trajectorynet/core';
import { type ChromaFormat, chromaSize, ffmpegPath, probeVideo, readFrames, resizeRgb, yuvFrameBytes, yuvPlanes, yuvToRgb } from '../src/index.js';
import { DATA } from './data.js';

/** BT.601 in floating point (Rec. 601 / JFIF), rounded to nearest. */
function reference(y: number, u: number, v: number, fullRange: boolean): number[] {
  const [l, cb, cr] = fullRange ? [y, u - 128, v - 128] : [((y - 16) * 255) / 219, ((u - 128) * 255) / 224, ((v - 128) * 255) / 224];
  const rgb = [l + 1.402 * cr, l - 0.344136 * cb - 0.714136 * cr, l + 1.772 * cb];
  return rgb.map((c) => Math.min(255, Math.max(0, Math.round(c))));
}

describe('yuvToRgb', () => {
  it.each([
    ['420', false],
    ['422', false],
    ['444', true],
    ['420', true],
  ] as [ChromaFormat, boolean][])('%s (full range %s): within one level of the BT.601 formulas, chroma sample of the right block, odd sizes', (chroma, fullRange) => {
    const random = seededRandom(7, chroma);
    const [width, height] = [13, 9];
    const data = Uint8Array.from({ length: yuvFrameBytes(width, height, chroma) }, () => Math.floor(random() * 256));
    const frame = yuvPlanes(data, width, height, chroma, fullRange);
    const rgb = yuvToRgb(frame);
    const c = chromaSize(width, height, chroma);
    const [sx, sy] = [chroma === '444' ? 1 : 2, chroma === '420' ? 2 : 1];
    let worst = 0;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const k = Math.floor(y / sy) * c.width + Math.floor(x / sx);
        const expected = reference(frame.y[y * width + x], frame.u[k], frame.v[k], fullRange);
        for (let ch = 0; ch < 3; ch++) worst = Math.max(worst, Math.abs(rgb[(y * width + x) * 3 + ch] - expected[ch]));
      }
    }
    expect(worst).toBeLessThanOrEqual(1);
  });

  it('maps video-range black, white and grey to 0, 255 and mid-grey', () => {
    const frame = (y: number) => yuvPlanes(Uint8Array.from([y, y, y, y, 128, 128]), 2, 2, '420');
    expect([...yuvToRgb(frame(16)).slice(0, 3)]).toEqual([0, 0, 0]);
    expect([...yuvToRgb(frame(235)).slice(0, 3)]).toEqual([255, 255, 255]);
    expect([...yuvToRgb(frame(126)).slice(0, 3)]).toEqual([128, 128, 128]);
  });

  it.each(['videos/part_0.mp4', 'videos/test.avi'])('%s: decoded frames within 3 levels of ffmpeg -pix_fmt rgb24 (swscale, another implementation)', async (name) => {
    const file = path.join(DATA, name);
    const { width, height } = await probeVideo(file);
    const ours = await readFrames(file, { indices: [0, 1, 2] });
    const size = width * height * 3;
    const theirs = execFileSync(ffmpegPath(), ['-v', 'error', '-i', file, '-map', '0:v:0', '-vsync', 'passthrough', '-frames:v', '3', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { maxBuffer: 1 << 28 });
    expect(theirs.length).toBe(3 * size);
    let [worst, sum] = [0, 0];
    for (const [f, frame] of ours.frames.entries()) {
      for (let i = 0; i < size; i++) {
        const d = Math.abs(frame[i] - theirs[f * size + i]);
        worst = Math.max(worst, d);
        sum += d;
      }
    }
    // swscale rounds its fixed-point matrix differently (measured: max 3, mean 0.95 on part_0.mp4,
    // 0.94 on test.avi); measured on part_0.mp4, full range instead of video range is off by up to
    // 20 (mean 8.7), chroma taken one block to the side by up to 67 (mean 2.0)
    expect(worst).toBeLessThanOrEqual(3);
    expect(sum / (3 * size)).toBeLessThan(1.2);
  });

  it('refuses a buffer too short for the frame, naming the sizes', () => {
    expect(() => yuvPlanes(new Uint8Array(10), 4, 4, '420')).toThrow(/4x4 420 frame has 24 bytes, got 10/);
  });
});

/** The triangle filter evaluated per output pixel in 2D (weights normalised over the window), no separable passes. */
function naiveResize(src: Uint8Array, w: number, h: number, ow: number, oh: number): Float64Array {
  const out = new Float64Array(ow * oh * 3);
  const [scaleX, scaleY] = [w / ow, h / oh];
  const [supportX, supportY] = [Math.max(1, scaleX), Math.max(1, scaleY)];
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      const [cx, cy] = [(x + 0.5) * scaleX, (y + 0.5) * scaleY];
      const sums = [0, 0, 0];
      let total = 0;
      for (let sy = 0; sy < h; sy++) {
        const wy = Math.max(0, 1 - Math.abs((sy + 0.5 - cy) / supportY));
        for (let sx = 0; sx < w; sx++) {
          const wx = Math.max(0, 1 - Math.abs((sx + 0.5 - cx) / supportX));
          total += wx * wy;
          for (let c = 0; c < 3; c++) sums[c] += wx * wy * src[(sy * w + sx) * 3 + c];
        }
      }
      for (let c = 0; c < 3; c++) out[(y * ow + x) * 3 + c] = sums[c] / total;
    }
  }
  return out;
}

describe('resizeRgb', () => {
  it.each([
    [40, 30, 17, 13],
    [34, 26, 85, 64],
    [64, 48, 21, 16],
    [9, 7, 9, 3],
  ])('%ix%i -> %ix%i: the rounded value of the 2D triangle filter', (w, h, ow, oh) => {
    const random = seededRandom(w, h, ow, oh);
    const src = Uint8Array.from({ length: w * h * 3 }, () => Math.floor(random() * 256));
    const got = resizeRgb(src, w, h, ow, oh);
    const expected = naiveResize(src, w, h, ow, oh);
    let worst = 0;
    for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - expected[i]));
    // rounding to 8 bits plus float32 intermediates
    expect(worst).toBeLessThan(0.5 + 1e-3);
  });

  it('keeps a flat image flat and refuses a wrong buffer size', () => {
    const flat = new Uint8Array(20 * 10 * 3).fill(77);
    expect(resizeRgb(flat, 20, 10, 7, 3).every((v) => v === 77)).toBe(true);
    expect(() => resizeRgb(flat, 21, 10, 7, 3)).toThrow(/21x10 rgb24 frame/);
  });
});
