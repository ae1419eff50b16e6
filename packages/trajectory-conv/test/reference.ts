import { seededRandom } from '@trajectorynet/core';
/**
 * Independent float64 references for the tests: plain loops written from the
 * definition in the README, sharing no code with src/.
 */
export interface Dims {
  n: number;
  t: number;
  h: number;
  w: number;
  c: number;
  cout: number;
  k: number;
  stride: number;
  dilation: number;
}

/** Deterministic pseudo-random numbers (core's seeded generator). */
export const rng = seededRandom;

export const outT = (d: Dims) => Math.ceil(d.t / d.stride);

/** x[n, t, y, x, c] with zeros outside the frame. */
function pixel(x: ArrayLike<number>, d: Dims, n: number, t: number, yy: number, xx: number, c: number): number {
  if (yy < 0 || yy >= d.h || xx < 0 || xx >= d.w) return 0;
  return x[(((n * d.t + t) * d.h + yy) * d.w + xx) * d.c + c];
}

/** y[n, to, y, x, o] = bias[o] + sum_k sum_c kernel[k, c, o] * bilinear(x[n, t_k], y + dy, x + dx)[c]. */
export function naiveTrajectoryConv(
  x: ArrayLike<number>,
  offsets: ArrayLike<number>,
  kernel: ArrayLike<number>,
  bias: ArrayLike<number> | null,
  d: Dims,
): Float64Array {
  const to = outT(d);
  const out = new Float64Array(d.n * to * d.h * d.w * d.cout);
  const half = (d.k - 1) / 2;
  for (let n = 0; n < d.n; n++)
    for (let o = 0; o < to; o++)
      for (let yy = 0; yy < d.h; yy++)
        for (let xx = 0; xx < d.w; xx++) {
          const outBase = (((n * to + o) * d.h + yy) * d.w + xx) * d.cout;
          for (let co = 0; co < d.cout; co++) out[outBase + co] = bias ? bias[co] : 0;
          for (let k = 0; k < d.k; k++) {
            const t = o * d.stride + (k - half) * d.dilation;
            if (t < 0 || t >= d.t) continue;
            const oBase = ((((n * to + o) * d.h + yy) * d.w + xx) * d.k + k) * 2;
            const px = xx + offsets[oBase];
            const py = yy + offsets[oBase + 1];
            const x0 = Math.floor(px);
            const y0 = Math.floor(py);
            const ax = px - x0;
            const ay = py - y0;
            for (let c = 0; c < d.c; c++) {
              const v =
                (1 - ay) * ((1 - ax) * pixel(x, d, n, t, y0, x0, c) + ax * pixel(x, d, n, t, y0, x0 + 1, c)) +
                ay * ((1 - ax) * pixel(x, d, n, t, y0 + 1, x0, c) + ax * pixel(x, d, n, t, y0 + 1, x0 + 1, c));
              for (let co = 0; co < d.cout; co++) out[outBase + co] += v * kernel[(k * d.c + c) * d.cout + co];
            }
          }
        }
  return out;
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
