/**
 * Structure-texture decomposition (Wedel, Pock, Zach, Bischof, Cremers, "An
 * improved algorithm for TV-L1 optical flow", 2009): the structure part is
 * the ROF-denoised image (Chambolle's projection, weight theta), and flow is
 * computed on f - alpha * structure, which keeps edges and fine texture but
 * drops smooth shading that the L1 data term would try to follow. Wedel et
 * al.'s theta 1/8 is for [-1, 1] images; on [0, 255] frames it changes each
 * pixel by at most 4 theta = half a grey level, so with the default theta the
 * split scales the frame by 1 - alpha and adds a faint high-pass (theta 16 is
 * their split on this scale; see `structureTheta` in options.ts). 50
 * iterations where Wedel et al. use 100: mean FlyingChairs EPE 3.107 against
 * 3.103 here, 0.15-0.19 s less per 512x384 pair. Runs on the WebAssembly
 * SIMD kernel where available (float32 arithmetic), else in JavaScript.
 */
import { backward, dualStep } from './dual.js';
import { simdArrays, simdKernels } from './wasm/kernels.js';

const ROF_TAU = 0.25;
const ROF_ITERATIONS = 50;

/** t = div p - f / theta at every pixel (the argument of the dual step). */
function rofArgument(f: Float32Array, p1: Float32Array, p2: Float32Array, w: number, h: number, theta: number, t: Float32Array): void {
  for (let y = 0; y < h; y++) {
    const top = y === 0;
    const bottom = y === h - 1;
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      t[i] = backward(p1, i, 1, x === 0, x === w - 1) + backward(p2, i, w, top, bottom) - f[i] / theta;
    }
  }
}

/** The arguments t of both images at the fixed point, in JavaScript. */
function rofJs(a: Float32Array, b: Float32Array, width: number, height: number, theta: number): [Float32Array, Float32Array] {
  const n = width * height;
  const [pa1, pa2, pb1, pb2] = [new Float32Array(n), new Float32Array(n), new Float32Array(n), new Float32Array(n)];
  const [ta, tb] = [new Float32Array(n), new Float32Array(n)];
  const step = () => {
    rofArgument(a, pa1, pa2, width, height, theta, ta);
    rofArgument(b, pb1, pb2, width, height, theta, tb);
  };
  for (let it = 0; it < ROF_ITERATIONS; it++) {
    step();
    dualStep(ta, tb, pa1, pa2, pb1, pb2, width, height, ROF_TAU);
  }
  step();
  return [ta, tb];
}

/** The same on the SIMD kernel (dual variables with a leading zero element/row, as in the solver). */
function rofSimd(a: Float32Array, b: Float32Array, width: number, height: number, theta: number): [Float32Array, Float32Array] | null {
  const k = simdKernels();
  if (k == null) return null;
  const n = width * height;
  const { views, offsets: o } = simdArrays(k, [n, n, n + 1, n + width, n + 1, n + width, n, n]);
  views[0].set(a);
  views[1].set(b);
  for (const p of views.slice(2, 6)) p.fill(0);
  for (let it = 0; it <= ROF_ITERATIONS; it++) k.rofIterate(o[0], o[1], o[2], o[3], o[4], o[5], o[6], o[7], width, height, 1 / theta, ROF_TAU, it < ROF_ITERATIONS ? 1 : 0);
  return [views[6].slice(), views[7].slice()];
}

/**
 * f - alpha * ROF(f) for two images of the same size (both frames of a pair,
 * through one dual step per iteration), where ROF(f) = argmin_u TV(u) +
 * |u - f|^2 / (2 theta) = f - theta div p at the fixed point of
 * p = (p + tau grad(div p - f / theta)) / (1 + tau |grad(div p - f / theta)|).
 */
export function structureTexture(a: Float32Array, b: Float32Array, width: number, height: number, alpha: number, options: { simd?: boolean; theta?: number } = {}): [Float32Array, Float32Array] {
  const theta = options.theta ?? 0.125;
  const [ta, tb] = (options.simd !== false ? rofSimd(a, b, width, height, theta) : null) ?? rofJs(a, b, width, height, theta);
  // structure = f - theta div p = -theta t
  const texture = (f: Float32Array, t: Float32Array) => f.map((v, i) => v + alpha * theta * t[i]);
  return [texture(a, ta), texture(b, tb)];
}
