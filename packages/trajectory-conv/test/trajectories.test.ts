import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@trajectorynet/runtime';
import { beforeAll, describe, expect, it } from 'vitest';
import { resizeOffsets, subsampleOffsets, trajectoriesFromFlow, warpBilinear } from '../src/index.js';
import { rng } from './reference.js';

beforeAll(() => initBackend({ prefer: 'wasm', log: null }));

/** Bilinear sample of a [H, W, 2] flow at (px, py), zeros outside (the rule of warpBilinear). */
function sampleFlow(flow: Float32Array, h: number, w: number, px: number, py: number): [number, number] {
  const x0 = Math.floor(px);
  const y0 = Math.floor(py);
  const out: [number, number] = [0, 0];
  for (const [cx, cy, wt] of [
    [x0, y0, (1 - (px - x0)) * (1 - (py - y0))],
    [x0 + 1, y0, (px - x0) * (1 - (py - y0))],
    [x0, y0 + 1, (1 - (px - x0)) * (py - y0)],
    [x0 + 1, y0 + 1, (px - x0) * (py - y0)],
  ]) {
    if (cx < 0 || cx >= w || cy < 0 || cy >= h) continue;
    out[0] += wt * flow[(cy * w + cx) * 2];
    out[1] += wt * flow[(cy * w + cx) * 2 + 1];
  }
  return out;
}

describe('trajectoriesFromFlow', () => {
  it('chains forward and backward flows point by point, like a naive tracker', async () => {
    const [n, t, h, w, taps] = [1, 5, 6, 7, 5];
    const r = rng(3);
    const make = () => Float32Array.from({ length: n * (t - 1) * h * w * 2 }, () => 3 * r() - 1.5);
    const forward = make();
    const backward = make();
    const offsets = trajectoriesFromFlow(tf.tensor(forward, [n, t - 1, h, w, 2]), tf.tensor(backward, [n, t - 1, h, w, 2]), { taps });
    expect(offsets.shape).toEqual([n, t, h, w, taps, 2]);
    const got = await offsets.data();
    const frameFlow = (flows: Float32Array, i: number) => flows.subarray(i * h * w * 2, (i + 1) * h * w * 2);
    let worst = 0;
    for (let f = 0; f < t; f++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++)
          for (let k = 0; k < taps; k++) {
            const tau = k - 2;
            let dx = 0;
            let dy = 0;
            if (f + tau >= 0 && f + tau < t) {
              for (let s = 0; s < Math.abs(tau); s++) {
                // forward: flow of frame f + s; backward: flow of frame f - s, stored at index (f - s) - 1
                const flow = tau > 0 ? frameFlow(forward, f + s) : frameFlow(backward, f - s - 1);
                const [u, v] = sampleFlow(flow, h, w, x + dx, y + dy);
                dx += u;
                dy += v;
              }
            }
            const i = ((((f * h + y) * w + x) * taps + k) * 2);
            worst = Math.max(worst, Math.abs(got[i] - dx), Math.abs(got[i + 1] - dy));
          }
    expect(worst).toBeLessThan(1e-5);
    offsets.dispose();
  });

  it('a uniform translation gives tau times the flow, in both directions', async () => {
    const [t, h, w] = [4, 8, 8];
    const forward = tf.tile(tf.tensor([0.5, -0.25], [1, 1, 1, 1, 2]), [1, t - 1, h, w, 1]);
    const backward = tf.neg(forward);
    const offsets = await trajectoriesFromFlow(forward, backward, { taps: 3 }).array() as number[][][][][][];
    // frame 1, centre pixel: taps -1, 0, +1
    expect(offsets[0][1][4][4]).toEqual([[-0.5, 0.25], [0, 0], [0.5, -0.25]]);
    // first frame: no earlier frame, offset 0; last frame: no later frame
    expect(offsets[0][0][4][4][0]).toEqual([0, 0]);
    expect(offsets[0][t - 1][4][4][2]).toEqual([0, 0]);
    const twoSteps = await trajectoriesFromFlow(forward, backward, { taps: 3, dilation: 2 }).array() as number[][][][][][];
    expect(twoSteps[0][1][4][4][2][0]).toBeCloseTo(1, 6);
    expect(twoSteps[0][1][4][4][2][1]).toBeCloseTo(-0.5, 6);
  });

  it('lets gradients reach the flows', async () => {
    const forward = tf.randomUniform([1, 3, 4, 4, 2], -1, 1, 'float32', 1);
    const backward = tf.randomUniform([1, 3, 4, 4, 2], -1, 1, 'float32', 2);
    const [gf, gb] = tf.grads((f, b) => tf.sum(tf.square(trajectoriesFromFlow(f, b, { taps: 5 }))))([forward, backward]);
    expect(tf.max(tf.abs(gf)).dataSync()[0]).toBeGreaterThan(0);
    expect(tf.max(tf.abs(gb)).dataSync()[0]).toBeGreaterThan(0);
  });
});

describe('resizeOffsets and subsampleOffsets', () => {
  it('average each factor x factor cell and divide by the factor', async () => {
    const r = rng(5);
    const [n, t, h, w, k] = [1, 2, 4, 6, 3];
    const values = Float32Array.from({ length: n * t * h * w * k * 2 }, () => 4 * r() - 2);
    const resized = resizeOffsets(tf.tensor(values, [n, t, h, w, k, 2]), 2);
    expect(resized.shape).toEqual([n, t, 2, 3, k, 2]);
    const got = await resized.data();
    let worst = 0;
    for (let f = 0; f < t; f++)
      for (let y = 0; y < 2; y++)
        for (let x = 0; x < 3; x++)
          for (let c = 0; c < k * 2; c++) {
            let sum = 0;
            for (let dy = 0; dy < 2; dy++) for (let dx = 0; dx < 2; dx++) sum += values[((f * h + 2 * y + dy) * w + 2 * x + dx) * k * 2 + c];
            worst = Math.max(worst, Math.abs(got[((f * 2 + y) * 3 + x) * k * 2 + c] - sum / 4 / 2));
          }
    expect(worst).toBeLessThan(1e-6);
  });

  it('subsample with stride s follows each point over s frames (a naive tracker through the one-step offsets)', async () => {
    const r = rng(11);
    const [n, t, h, w, k] = [1, 7, 6, 8, 3];
    for (const stride of [2, 3]) {
      // one-step offsets: tap 2 = displacement to the next frame, tap 0 = to the previous one (0 where there is none)
      const forward = Float32Array.from({ length: t * h * w * 2 }, () => 1.6 * r() - 0.8);
      const backward = Float32Array.from({ length: t * h * w * 2 }, () => 1.6 * r() - 0.8);
      const offsets = new Float32Array(n * t * h * w * k * 2);
      for (let f = 0; f < t; f++)
        for (let p = 0; p < h * w; p++)
          for (let c = 0; c < 2; c++) {
            const at = (tap: number) => ((f * h * w + p) * k + tap) * 2 + c;
            offsets[at(2)] = f < t - 1 ? forward[(f * h * w + p) * 2 + c] : 0;
            offsets[at(0)] = f > 0 ? backward[(f * h * w + p) * 2 + c] : 0;
          }
      const got = await subsampleOffsets(tf.tensor(offsets, [n, t, h, w, k, 2]), stride).data();
      const times = Array.from({ length: Math.ceil(t / stride) }, (_, i) => i * stride);
      let worst = 0;
      for (const [i, f] of times.entries()) {
        for (let y = 0; y < h; y++)
          for (let x = 0; x < w; x++) {
            for (const [tap, direction] of [[2, 1], [0, -1]] as const) {
              // follow the point step by step through the frames in between
              let [px, py] = [x, y];
              let valid = true;
              for (let step = 0; step < stride; step++) {
                const frame = f + direction * step;
                if (frame + direction < 0 || frame + direction >= t) {
                  valid = false;
                  break;
                }
                const field = direction > 0 ? forward.subarray(frame * h * w * 2, (frame + 1) * h * w * 2) : backward.subarray(frame * h * w * 2, (frame + 1) * h * w * 2);
                const [du, dv] = sampleFlow(field, h, w, px, py);
                px += du;
                py += dv;
              }
              const o = (((i * h + y) * w + x) * k + tap) * 2;
              const [ex, ey] = valid ? [px - x, py - y] : [0, 0];
              worst = Math.max(worst, Math.abs(got[o] - ex), Math.abs(got[o + 1] - ey));
            }
            // the centre tap reads the frame itself
            const c = (((i * h + y) * w + x) * k + 1) * 2;
            worst = Math.max(worst, Math.abs(got[c]), Math.abs(got[c + 1]));
          }
      }
      expect(worst, `stride ${stride}`).toBeLessThan(1e-5);
    }
  });

  it('subsample with stride 1 keeps the offsets, and refuses a bad stride', async () => {
    const offsets = tf.reshape(tf.range(0, 5 * 3 * 2), [1, 5, 1, 1, 3, 2]);
    expect(Array.from(await subsampleOffsets(offsets, 1).data())).toEqual(Array.from(await offsets.data()));
    expect(() => subsampleOffsets(offsets, 0)).toThrow(/stride must be a positive integer/);
  });
});

describe('warpBilinear', () => {
  it('an integer flow shifts the image, zeros coming in from outside', async () => {
    const image = tf.reshape(tf.range(1, 13), [1, 3, 4, 1]);
    const flow = tf.tile(tf.tensor([1, 0], [1, 1, 1, 2]), [1, 3, 4, 1]);
    expect(Array.from(await warpBilinear(image, flow).data())).toEqual([2, 3, 4, 0, 6, 7, 8, 0, 10, 11, 12, 0]);
  });
  it('a half-pixel flow averages neighbours', async () => {
    const image = tf.tensor([0, 10, 20, 30], [1, 1, 4, 1]);
    const flow = tf.tile(tf.tensor([0.5, 0], [1, 1, 1, 2]), [1, 1, 4, 1]);
    expect(Array.from(await warpBilinear(image, flow).data())).toEqual([5, 15, 25, 15]);
  });
});
