/**
 * Per-pixel choice between two candidate flows by how well each matches the
 * frames: the absolute residual |I1(x + u) - I0(x)| of each candidate,
 * averaged over a square window, and the smaller one wins. Used to merge the
 * flow carried down a deep pyramid (which finds large motions) with a flow
 * started afresh from a finer level (which keeps small objects that the
 * coarse levels blur away).
 */
import { sampleBicubic } from './image.js';

/** |I1(x + u) - I0(x)| at every pixel. */
function residual(I0: Float32Array, I1: Float32Array, w: number, h: number, u1: Float32Array, u2: Float32Array): Float32Array {
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      out[i] = Math.abs(sampleBicubic(I1, w, h, x + u1[i], y + u2[i]) - I0[i]);
    }
  return out;
}

/** Sum over a (2r+1)^2 window, windows clipped at the borders (separable running sums). */
function boxSum(src: Float32Array, w: number, h: number, r: number): Float32Array {
  const tmp = new Float32Array(w * h);
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    const row = y * w;
    let s = 0;
    for (let x = 0; x < Math.min(r, w); x++) s += src[row + x];
    for (let x = 0; x < w; x++) {
      if (x + r < w) s += src[row + x + r];
      if (x - r - 1 >= 0) s -= src[row + x - r - 1];
      tmp[row + x] = s;
    }
  }
  for (let x = 0; x < w; x++) {
    let s = 0;
    for (let y = 0; y < Math.min(r, h); y++) s += tmp[y * w + x];
    for (let y = 0; y < h; y++) {
      if (y + r < h) s += tmp[(y + r) * w + x];
      if (y - r - 1 >= 0) s -= tmp[(y - r - 1) * w + x];
      out[y * w + x] = s;
    }
  }
  return out;
}

/** Writes into (a1, a2) the pixels where (b1, b2) has the lower windowed residual; returns the fraction taken from b. */
export function fuseFlows(I0: Float32Array, I1: Float32Array, w: number, h: number, a1: Float32Array, a2: Float32Array, b1: Float32Array, b2: Float32Array, radius: number): number {
  const costA = boxSum(residual(I0, I1, w, h, a1, a2), w, h, radius);
  const costB = boxSum(residual(I0, I1, w, h, b1, b2), w, h, radius);
  let taken = 0;
  for (let i = 0; i < w * h; i++) {
    if (costB[i] < costA[i]) {
      a1[i] = b1[i];
      a2[i] = b2[i];
      taken += 1;
    }
  }
  return taken / (w * h);
}
