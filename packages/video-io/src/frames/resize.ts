/**
 * Resizing rgb24 frames (`resizeShorter` of the clip pipeline), the same code
 * in Node and browsers. A separable triangle (bilinear) filter whose support
 * grows with the reduction, so that shrinking averages every source pixel
 * (as ffmpeg's and Pillow's "bilinear" do) instead of skipping most of them.
 */
import { VideoIOError } from '../errors.js';

interface Taps {
  first: Int32Array;
  count: Int32Array;
  weights: Float64Array;
  width: number;
}

/** For each output position: the first source index, how many, and their weights (normalised to 1). */
function taps(source: number, target: number): Taps {
  const scale = source / target;
  const support = Math.max(1, scale);
  const width = Math.ceil(support) * 2 + 1;
  const first = new Int32Array(target);
  const count = new Int32Array(target);
  const weights = new Float64Array(target * width);
  for (let i = 0; i < target; i++) {
    const centre = (i + 0.5) * scale;
    const lo = Math.max(0, Math.floor(centre - support));
    const hi = Math.min(source, Math.ceil(centre + support));
    let total = 0;
    let n = 0;
    for (let s = lo; s < hi && n < width; s++, n++) {
      const w = Math.max(0, 1 - Math.abs((s + 0.5 - centre) / support));
      weights[i * width + n] = w;
      total += w;
    }
    for (let k = 0; k < n; k++) weights[i * width + k] /= total;
    first[i] = lo;
    count[i] = n;
  }
  return { first, count, weights, width };
}

/** A `width` x `height` rgb24 frame resized to `outWidth` x `outHeight` (rounded to 8 bits). */
export function resizeRgb(frame: Uint8Array, width: number, height: number, outWidth: number, outHeight: number): Uint8Array {
  if (frame.length !== width * height * 3) throw new VideoIOError('BAD_ARGUMENT', `a ${width}x${height} rgb24 frame has ${width * height * 3} bytes, got ${frame.length}`, { path: 'frame' });
  if (!(outWidth >= 1 && outHeight >= 1)) throw new VideoIOError('BAD_ARGUMENT', `cannot resize to ${outWidth}x${outHeight}`, { path: 'resize' });
  if (outWidth === width && outHeight === height) return frame.slice();
  const h = taps(width, outWidth);
  const v = taps(height, outHeight);
  // rows first (source height x output width), in floats: one rounding at the end
  const rows = new Float32Array(height * outWidth * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < outWidth; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let k = 0, s = (y * width + h.first[x]) * 3; k < h.count[x]; k++, s += 3) {
        const w = h.weights[x * h.width + k];
        r += w * frame[s];
        g += w * frame[s + 1];
        b += w * frame[s + 2];
      }
      const o = (y * outWidth + x) * 3;
      rows[o] = r;
      rows[o + 1] = g;
      rows[o + 2] = b;
    }
  }
  const out = new Uint8Array(outWidth * outHeight * 3);
  const stride = outWidth * 3;
  for (let y = 0; y < outHeight; y++) {
    for (let i = 0; i < stride; i++) {
      let sum = 0;
      for (let k = 0, s = v.first[y] * stride + i; k < v.count[y]; k++, s += stride) sum += v.weights[y * v.width + k] * rows[s];
      out[y * stride + i] = Math.min(255, Math.max(0, Math.round(sum)));
    }
  }
  return out;
}
