/**
 * One pyramid level of TV-L1: several warps, and at each warp the alternation
 * of the pointwise thresholding step and Chambolle's dual projection (IPOL's
 * scheme), with OpenCV's optional median filter of the flow between outer
 * iterations.
 *
 * Written for speed on typed arrays: one fused pass per iteration (the
 * primal update of row y, then the dual update of row y - 1, which needs u
 * on rows y - 1 and y only, so each row is read from cache rather than
 * memory twice), no per-pixel border branches (the dual variables carry a
 * leading zero row/element, and their last column/row stays zero as the
 * forward differences there are zero), and the thresholding as a clamp; the
 * results are those of the two-pass version up to rounding. The pass runs
 * on the WebAssembly SIMD kernel (wasm/kernels.wat) where available, else
 * in JavaScript (`iterateJs`, also its test reference); so does the bicubic
 * warp (`warpJs`), which otherwise takes more time than the iterations.
 */
import { fitGainOffset } from './gain.js';
import { centredGradient, sampleBilinear } from './image.js';
import { medianFilter } from './median.js';
import type { Tvl1Settings } from './options.js';
import { simdArrays, simdKernels } from './wasm/kernels.js';

/** Below this squared image gradient the data term gives no direction (IPOL's GRAD_IS_ZERO). */
const GRAD_IS_ZERO = 1e-10;

/** Scratch buffers, reused across warps, levels (largest size) and pairs. */
export class Workspace {
  private readonly buffers = new Map<string, Float32Array>();
  get(name: string, n: number): Float32Array {
    let b = this.buffers.get(name);
    if (b == null || b.length < n) {
      b = new Float32Array(n);
      this.buffers.set(name, b);
    }
    return b.length === n ? b : b.subarray(0, n);
  }
}

/**
 * Bicubic (Keys, a = -0.5, replicated borders: the same values as
 * sampleBicubic) of I1 and its two gradient images at one point, sharing the
 * weights and taps; writes [I1, I1x, I1y] into out.
 */
export function sampleThreeBicubic(I1: Float32Array, I1x: Float32Array, I1y: Float32Array, w: number, h: number, px: number, py: number, out: Float64Array): void {
  const xc = px < 0 ? 0 : px > w - 1 ? w - 1 : px;
  const yc = py < 0 ? 0 : py > h - 1 ? h - 1 : py;
  const x1 = Math.floor(xc);
  const y1 = Math.floor(yc);
  const tx = xc - x1;
  const ty = yc - y1;
  const tx2 = tx * tx;
  const ty2 = ty * ty;
  const wx0 = -0.5 * tx2 * tx + tx2 - 0.5 * tx;
  const wx1 = 1.5 * tx2 * tx - 2.5 * tx2 + 1;
  const wx2 = -1.5 * tx2 * tx + 2 * tx2 + 0.5 * tx;
  const wx3 = 0.5 * tx2 * tx - 0.5 * tx2;
  const wy0 = -0.5 * ty2 * ty + ty2 - 0.5 * ty;
  const wy1 = 1.5 * ty2 * ty - 2.5 * ty2 + 1;
  const wy2 = -1.5 * ty2 * ty + 2 * ty2 + 0.5 * ty;
  const wy3 = 0.5 * ty2 * ty - 0.5 * ty2;
  // tap columns and row offsets, clamped only near the borders
  const c0 = x1 > 0 ? x1 - 1 : 0;
  const c2 = x1 + 1 < w ? x1 + 1 : w - 1;
  const c3 = x1 + 2 < w ? x1 + 2 : w - 1;
  const r0 = (y1 > 0 ? y1 - 1 : 0) * w;
  const r1 = y1 * w;
  const r2 = (y1 + 1 < h ? y1 + 1 : h - 1) * w;
  const r3 = (y1 + 2 < h ? y1 + 2 : h - 1) * w;
  const si =
    wy0 * (wx0 * I1[r0 + c0] + wx1 * I1[r0 + x1] + wx2 * I1[r0 + c2] + wx3 * I1[r0 + c3]) +
    wy1 * (wx0 * I1[r1 + c0] + wx1 * I1[r1 + x1] + wx2 * I1[r1 + c2] + wx3 * I1[r1 + c3]) +
    wy2 * (wx0 * I1[r2 + c0] + wx1 * I1[r2 + x1] + wx2 * I1[r2 + c2] + wx3 * I1[r2 + c3]) +
    wy3 * (wx0 * I1[r3 + c0] + wx1 * I1[r3 + x1] + wx2 * I1[r3 + c2] + wx3 * I1[r3 + c3]);
  const sx =
    wy0 * (wx0 * I1x[r0 + c0] + wx1 * I1x[r0 + x1] + wx2 * I1x[r0 + c2] + wx3 * I1x[r0 + c3]) +
    wy1 * (wx0 * I1x[r1 + c0] + wx1 * I1x[r1 + x1] + wx2 * I1x[r1 + c2] + wx3 * I1x[r1 + c3]) +
    wy2 * (wx0 * I1x[r2 + c0] + wx1 * I1x[r2 + x1] + wx2 * I1x[r2 + c2] + wx3 * I1x[r2 + c3]) +
    wy3 * (wx0 * I1x[r3 + c0] + wx1 * I1x[r3 + x1] + wx2 * I1x[r3 + c2] + wx3 * I1x[r3 + c3]);
  const sy =
    wy0 * (wx0 * I1y[r0 + c0] + wx1 * I1y[r0 + x1] + wx2 * I1y[r0 + c2] + wx3 * I1y[r0 + c3]) +
    wy1 * (wx0 * I1y[r1 + c0] + wx1 * I1y[r1 + x1] + wx2 * I1y[r1 + c2] + wx3 * I1y[r1 + c3]) +
    wy2 * (wx0 * I1y[r2 + c0] + wx1 * I1y[r2 + x1] + wx2 * I1y[r2 + c2] + wx3 * I1y[r2 + c3]) +
    wy3 * (wx0 * I1y[r3 + c0] + wx1 * I1y[r3 + x1] + wx2 * I1y[r3 + c2] + wx3 * I1y[r3 + c3]);
  out[0] = si;
  out[1] = sx;
  out[2] = sy;
}

const sampled = new Float64Array(3);

/**
 * I1, its gradient and the constant part of the linearised residual, at x + u; invGrad is 1 / |grad I1|^2 (0 where flat).
 * With ignoreOutside, a pixel whose x + u leaves the frame gets no data term (its flow comes from its neighbours
 * through the TV term) instead of matching the replicated border. warped (if given) receives I1(x + u), NaN where
 * x + u leaves the frame.
 */
export function warpJs(I0: Float32Array, I1: Float32Array, I1x: Float32Array, I1y: Float32Array, w: number, h: number, u1: Float32Array, u2: Float32Array, bicubic: boolean, ignoreOutside: boolean, gx: Float32Array, gy: Float32Array, invGrad: Float32Array, rhoC: Float32Array, warped: Float32Array | null): void {
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const px = x + u1[i];
      const py = y + u2[i];
      const outside = px < 0 || px > w - 1 || py < 0 || py > h - 1;
      if (ignoreOutside && outside) {
        gx[i] = gy[i] = invGrad[i] = rhoC[i] = 0;
        if (warped != null) warped[i] = Number.NaN;
        continue;
      }
      if (bicubic) sampleThreeBicubic(I1, I1x, I1y, w, h, px, py, sampled);
      else {
        sampled[0] = sampleBilinear(I1, w, h, px, py);
        sampled[1] = sampleBilinear(I1x, w, h, px, py);
        sampled[2] = sampleBilinear(I1y, w, h, px, py);
      }
      const a = sampled[1];
      const b = sampled[2];
      const g = a * a + b * b;
      gx[i] = a;
      gy[i] = b;
      invGrad[i] = g > GRAD_IS_ZERO ? 1 / g : 0;
      rhoC[i] = sampled[0] - a * u1[i] - b * u2[i] - I0[i];
      if (warped != null) warped[i] = outside ? Number.NaN : sampled[0];
    }
  }
}

/**
 * Compares I1(x + u) with gain * I0 + offset instead of I0, (gain, offset) fitted on the matched pixels (gain.ts):
 * rhoC, the constant part of I1(x + u) - I0, loses (gain - 1) I0 + offset (where invGrad is 0 rhoC has no effect).
 */
function compensateGain(I0: Float32Array, warped: Float32Array, rhoC: Float32Array, minReduction: number): void {
  const { gain, offset } = fitGainOffset(I0, warped, { symmetric: true, minChange: true, minReduction });
  if (gain === 1 && offset === 0) return;
  for (let i = 0; i < I0.length; i++) rhoC[i] -= (gain - 1) * I0[i] + offset;
}

/**
 * One iteration over the level: u = v + theta div p (v: the thresholding
 * step), then p = (p + taut grad u) / (1 + taut |grad u|). p11/p21 are offset
 * by 1 and p12/p22 by w (a zero element/row before the image). Returns the
 * sum of squared updates of u.
 */
export function iterateJs(u1: Float32Array, u2: Float32Array, p11: Float32Array, p12: Float32Array, p21: Float32Array, p22: Float32Array, gx: Float32Array, gy: Float32Array, invGrad: Float32Array, rhoC: Float32Array, w: number, h: number, lt: number, theta: number, taut: number): number {
  let sum = 0;
  for (let y = 0; y <= h; y++) {
    if (y < h) {
      // primal update of row y (reads p on rows y - 1 and y, not yet updated)
      const end = (y + 1) * w;
      for (let i = y * w; i < end; i++) {
        const a1 = gx[i];
        const a2 = gy[i];
        const u1i = u1[i];
        const u2i = u2[i];
        const rho = rhoC[i] + a1 * u1i + a2 * u2i;
        let f = -rho * invGrad[i];
        f = f > lt ? lt : f < -lt ? -lt : f;
        const div1 = p11[i + 1] - p11[i] + p12[i + w] - p12[i];
        const div2 = p21[i + 1] - p21[i] + p22[i + w] - p22[i];
        const d1 = f * a1 + theta * div1;
        const d2 = f * a2 + theta * div2;
        u1[i] = u1i + d1;
        u2[i] = u2i + d2;
        sum += d1 * d1 + d2 * d2;
      }
    }
    if (y > 0) {
      // dual update of row y - 1 (forward differences need u on rows y - 1 and y, both final now)
      const r = y - 1;
      const below = r < h - 1 ? w : 0;
      const last = r * w + w - 1;
      for (let i = r * w; i < last; i++) {
        const u1x = u1[i + 1] - u1[i];
        const u1y = u1[i + below] - u1[i];
        const u2x = u2[i + 1] - u2[i];
        const u2y = u2[i + below] - u2[i];
        const s1 = 1 / (1 + taut * Math.sqrt(u1x * u1x + u1y * u1y));
        const s2 = 1 / (1 + taut * Math.sqrt(u2x * u2x + u2y * u2y));
        p11[i + 1] = (p11[i + 1] + taut * u1x) * s1;
        p12[i + w] = (p12[i + w] + taut * u1y) * s1;
        p21[i + 1] = (p21[i + 1] + taut * u2x) * s2;
        p22[i + w] = (p22[i + w] + taut * u2y) * s2;
      }
      // last column: no horizontal difference (p11, p21 stay 0 there)
      const u1y = u1[last + below] - u1[last];
      const u2y = u2[last + below] - u2[last];
      p12[last + w] = (p12[last + w] + taut * u1y) / (1 + taut * Math.abs(u1y));
      p22[last + w] = (p22[last + w] + taut * u2y) / (1 + taut * Math.abs(u2y));
    }
  }
  return sum;
}

/** Refines (u1, u2) in place on one level (WebAssembly SIMD where available, else the JavaScript loop). */
export function solveLevel(I0: Float32Array, I1: Float32Array, w: number, h: number, u1: Float32Array, u2: Float32Array, s: Tvl1Settings, ws: Workspace): void {
  const n = w * h;
  const simd = simdKernels();
  let arrays: Float32Array[];
  let iterate: () => number;
  const lt = s.lambda * s.theta;
  const taut = s.tau / s.theta;
  const useWarped = s.gainOffset && Math.min(w, h) >= s.gainMinSize;
  const bicubic = s.interpolation === 'bicubic';
  let warpSimd: (() => void) | null = null;
  let images: Float32Array[];
  if (simd != null) {
    // the level's arrays, I0, I1, its gradients and the warped I1 in the kernel memory
    const { views, offsets } = simdArrays(simd, [n, n, n + 1, n + w, n + 1, n + w, n, n, n, n, n, n, n, n, n]);
    const o = offsets;
    arrays = views.slice(0, 10);
    images = views.slice(10);
    iterate = () => simd.iterate(o[0], o[1], o[2], o[3], o[4], o[5], o[6], o[7], o[8], o[9], w, h, lt, s.theta, taut);
    if (bicubic) warpSimd = () => simd.warp(o[10], o[11], o[12], o[13], o[0], o[1], o[6], o[7], o[8], o[9], o[14], useWarped ? 1 : 0, w, h, s.ignoreOutside ? 1 : 0);
  } else {
    arrays = [ws.get('u1', n), ws.get('u2', n), ws.get('p11', n + 1), ws.get('p12', n + w), ws.get('p21', n + 1), ws.get('p22', n + w), ws.get('gx', n), ws.get('gy', n), ws.get('invGrad', n), ws.get('rhoC', n)];
    images = [ws.get('I0', n), ws.get('I1', n), ws.get('I1x', n), ws.get('I1y', n), ws.get('warped', n)];
    const [a1, a2, p11, p12, p21, p22, gx, gy, ig, rc] = arrays;
    iterate = () => iterateJs(a1, a2, p11, p12, p21, p22, gx, gy, ig, rc, w, h, lt, s.theta, taut);
  }
  const [v1, v2, p11, p12, p21, p22, gx, gy, invGrad, rhoC] = arrays;
  const [I0c, I1c, I1x, I1y, warped] = images;
  I0c.set(I0);
  I1c.set(I1);
  v1.set(u1);
  v2.set(u2);
  for (const p of [p11, p12, p21, p22]) p.fill(0);
  const warpLevel = warpSimd ?? (() => warpJs(I0c, I1c, I1x, I1y, w, h, v1, v2, bicubic, s.ignoreOutside, gx, gy, invGrad, rhoC, useWarped ? warped : null));
  const median = ws.get('median', n);
  centredGradient(I1c, w, h, I1x, I1y);
  const eps2 = s.epsilon * s.epsilon;
  const coarse = Math.min(w, h) < s.coarseSize;
  const warps = coarse ? s.coarseWarps : s.warps;
  const medianSize = coarse ? s.coarseMedian : s.medianFilter;
  for (let k = 0; k < warps; k++) {
    warpLevel();
    if (useWarped) compensateGain(I0c, warped, rhoC, s.gainMinReduction);
    let error = Number.POSITIVE_INFINITY;
    for (let outer = 0; outer < s.outerIterations && error > eps2; outer++) {
      if (medianSize > 1) {
        medianFilter(v1, w, h, medianSize, median);
        v1.set(median);
        medianFilter(v2, w, h, medianSize, median);
        v2.set(median);
      }
      for (let inner = 0; inner < s.innerIterations && error > eps2; inner++) error = iterate() / n;
    }
  }
  u1.set(v1);
  u2.set(v2);
}
