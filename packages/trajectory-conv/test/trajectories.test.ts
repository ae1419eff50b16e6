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

  it('subsample keeps frames 0, s, 2s, ...', async () => {
    const offsets = tf.reshape(tf.range(0, 5 * 2), [1, 5, 1, 1, 1, 2]);
    expect(Array.from(await subsampleOffsets(offsets, 2).data())).toEqual([0, 1, 4, 5, 8, 9]);
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
