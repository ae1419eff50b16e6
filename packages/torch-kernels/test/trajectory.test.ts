/**
 * The TrajectorySample kernels (registered by name for
 * @trajectorynet/trajectory-conv): the forward against a naive float64
 * reference written from the op's definition; the gradient into the features
 * through the adjoint identity <S(x), dy> = <x, S^T dy> (sampling is linear in
 * x); the gradient into the offsets against central finite differences of
 * <S(x, offsets), dy> computed in float64, with offsets kept away from integer
 * pixels so no bilinear kink lies within the step.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { maxRelativeError, nativeAvailable, randomInt, rng, setupBackends, withNative } from './helpers.js';

interface Problem {
  shape: number[];
  to: number;
  k: number;
  stride: number;
  dilation: number;
  x: Float32Array;
  offsets: Float32Array;
  dy: Float32Array;
}

function randomProblem(next: () => number, smooth: boolean): Problem {
  const [n, t, h, w, c] = [randomInt(1, 2, next), randomInt(2, 6, next), randomInt(3, 9, next), randomInt(3, 9, next), randomInt(1, 40, next)];
  const k = [1, 3, 5][randomInt(0, 2, next)];
  const stride = randomInt(1, 2, next);
  const dilation = randomInt(1, 2, next);
  const to = Math.ceil(t / stride);
  const positions = n * to * h * w * k;
  const offsets = new Float32Array(positions * 2);
  for (let i = 0; i < offsets.length; i++) {
    // smooth: integer part in [-3, 3] plus a fraction in [0.2, 0.8]; else anywhere in [-4, 4], out of the map too
    offsets[i] = smooth ? randomInt(-3, 3, next) + 0.2 + 0.6 * next() : -4 + 8 * next();
  }
  const fill = (size: number) => Float32Array.from({ length: size }, () => next() * 2 - 1);
  return { shape: [n, t, h, w, c], to, k, stride, dilation, x: fill(n * t * h * w * c), offsets, dy: fill(positions * c) };
}

/**
 * The C samples of tap `pos` (index into [N, To, H, W, K]) with offset (dx, dy),
 * from the definition, in float64; zeros when its frame is outside the clip.
 */
function naiveTap(p: Problem, x: ArrayLike<number>, pos: number, dx: number, dy: number): Float64Array {
  const [, t, h, w, c] = p.shape;
  const out = new Float64Array(c);
  const tap = pos % p.k;
  const xx = Math.floor(pos / p.k) % w;
  const yy = Math.floor(pos / (p.k * w)) % h;
  const o = Math.floor(pos / (p.k * w * h)) % p.to;
  const b = Math.floor(pos / (p.k * w * h * p.to));
  const frame = o * p.stride + (tap - (p.k - 1) / 2) * p.dilation;
  if (frame < 0 || frame >= t) return out;
  const px = xx + dx;
  const py = yy + dy;
  const x0 = Math.floor(px);
  const y0 = Math.floor(py);
  const [fx, fy] = [px - x0, py - y0];
  const corners: [number, number, number][] = [[x0, y0, (1 - fx) * (1 - fy)], [x0 + 1, y0, fx * (1 - fy)], [x0, y0 + 1, (1 - fx) * fy], [x0 + 1, y0 + 1, fx * fy]];
  for (const [cx, cy, weight] of corners) {
    if (cx < 0 || cx >= w || cy < 0 || cy >= h) continue;
    const base = (((b * t + frame) * h + cy) * w + cx) * c;
    for (let ch = 0; ch < c; ch++) out[ch] += weight * x[base + ch];
  }
  return out;
}

/** All samples [N, To, H, W, K, C]. */
function naiveSample(p: Problem, x: ArrayLike<number>, offsets: ArrayLike<number>): Float64Array {
  const c = p.shape[4];
  const positions = offsets.length / 2;
  const out = new Float64Array(positions * c);
  for (let pos = 0; pos < positions; pos++) out.set(naiveTap(p, x, pos, offsets[pos * 2], offsets[pos * 2 + 1]), pos * c);
  return out;
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

function runKernels(p: Problem) {
  const attrs = { stride: p.stride, dilation: p.dilation };
  const x = tf.tensor(p.x, p.shape);
  const offsets = tf.tensor(p.offsets, [p.shape[0], p.to, p.shape[2], p.shape[3], p.k, 2]);
  const dy = tf.tensor(p.dy, [p.shape[0], p.to, p.shape[2], p.shape[3], p.k, p.shape[4]]);
  return [
    tf.engine().runKernel('TrajectorySample', { x, offsets }, attrs) as tf.Tensor,
    tf.engine().runKernel('TrajectorySampleGradX', { dy, offsets, x }, attrs) as tf.Tensor,
    tf.engine().runKernel('TrajectorySampleGradOffsets', { dy, offsets, x }, attrs) as tf.Tensor,
  ];
}

describe.runIf(nativeAvailable())('native trajectory sampling', () => {
  beforeAll(setupBackends);

  it('forward equals the naive reference, with offsets in and out of the map, strides and dilations', async () => {
    const next = rng(31);
    for (let trial = 0; trial < 10; trial++) {
      const p = randomProblem(next, false);
      const { values, calls } = await withNative(() => runKernels(p));
      expect(calls.trajectorySample).toBe(1);
      expect(maxRelativeError(values[0], naiveSample(p, p.x, p.offsets)), JSON.stringify(p.shape)).toBeLessThan(1e-5);
    }
  });

  it('the gradient into x is the adjoint of sampling', async () => {
    const next = rng(32);
    for (let trial = 0; trial < 10; trial++) {
      const p = randomProblem(next, false);
      const { values } = await withNative(() => runKernels(p));
      const lhs = dot(naiveSample(p, p.x, p.offsets), p.dy);
      const rhs = dot(p.x, values[1]);
      expect(Math.abs(lhs - rhs), `${lhs} vs ${rhs}`).toBeLessThan(1e-4 * Math.max(1, Math.abs(lhs)));
    }
  });

  it('the gradient into the offsets equals finite differences', async () => {
    const next = rng(33);
    for (let trial = 0; trial < 5; trial++) {
      const p = randomProblem(next, true);
      const { values } = await withNative(() => runKernels(p));
      const eps = 1e-3;
      const c = p.shape[4];
      // <S(x, offsets), dy> changes only through the tap whose offset moves
      const tapLoss = (pos: number, dx: number, dy: number) => dot(naiveTap(p, p.x, pos, dx, dy), p.dy.subarray(pos * c, (pos + 1) * c));
      const numeric = new Float64Array(p.offsets.length);
      for (let pos = 0; pos < p.offsets.length / 2; pos++) {
        const [dx, dy] = [p.offsets[pos * 2], p.offsets[pos * 2 + 1]];
        numeric[pos * 2] = (tapLoss(pos, dx + eps, dy) - tapLoss(pos, dx - eps, dy)) / (2 * eps);
        numeric[pos * 2 + 1] = (tapLoss(pos, dx, dy + eps) - tapLoss(pos, dx, dy - eps)) / (2 * eps);
      }
      expect(maxRelativeError(values[2], numeric), JSON.stringify(p.shape)).toBeLessThan(1e-4);
    }
  });
});
