import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@trajectorynet/runtime';
import { beforeAll, describe, expect, it } from 'vitest';
import { warpBilinear } from '@trajectorynet/trajectory-conv';
import {
  borderMask,
  charbonnier,
  createMotionNet,
  directionLoss,
  FLOW_FACTORS,
  gaussianWindow,
  motionFlows,
  photometricLoss,
  smoothnessLoss,
  ssimLoss,
  unsupervisedLoss,
} from '../src/index.js';

beforeAll(async () => {
  await initBackend({ prefer: 'cpu', log: null });
  await initBackend({ prefer: 'wasm', log: null });
});

/** A smooth texture shifted by (dx, dy): [1, H, W, 3] in 0..1. */
function texture(h: number, w: number, dx = 0, dy = 0): tf.Tensor4D {
  const v = new Float32Array(h * w * 3);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let c = 0; c < 3; c++) v[(y * w + x) * 3 + c] = 0.5 + 0.2 * Math.sin(0.4 * (x - dx) + 0.3 * c) + 0.2 * Math.cos(0.33 * (y - dy) - 0.2 * c);
  return tf.tensor4d(v, [1, h, w, 3]);
}

describe('network', () => {
  it('n + 1 frames in, n flows out at 1/32 ... 1/2', () => {
    const model = createMotionNet({ frames: 3, height: 64, width: 96, widthMultiplier: 1 / 16 });
    const out = model.predict(tf.zeros([2, 64, 96, 9])) as tf.Tensor[];
    expect(out.map((o) => o.shape)).toEqual([
      [2, 2, 3, 4],
      [2, 4, 6, 4],
      [2, 8, 12, 4],
      [2, 16, 24, 4],
      [2, 32, 48, 4],
    ]);
    expect(FLOW_FACTORS).toEqual([0.625, 1.25, 2.5, 5, 10]);
    expect(() => createMotionNet({ frames: 3, height: 60, width: 96 })).toThrow(/divisible by 32/);
    model.dispose();
  });

  it('motionFlows: forward and backward [N, T-1, H, W, 2] at input resolution', () => {
    const model = createMotionNet({ frames: 4, height: 32, width: 32, widthMultiplier: 1 / 16 });
    const { forward, backward } = motionFlows(model, tf.randomUniform([1, 4, 32, 32, 3]) as tf.Tensor5D);
    expect(forward.shape).toEqual([1, 3, 32, 32, 2]);
    expect(backward.shape).toEqual([1, 3, 32, 32, 2]);
    model.dispose();
  });
});

describe('clips of another size than the network', () => {
  it('a 48x40 clip runs on a 64x64 network: flows come back at 48x40, in pixels of the clip', async () => {
    const model = createMotionNet({ frames: 3, height: 64, width: 64, widthMultiplier: 1 / 16 });
    const clip = tf.randomUniform([1, 3, 40, 48, 3], 0, 1, 'float32', 9) as tf.Tensor5D;
    const { forward, backward } = motionFlows(model, clip);
    expect(forward.shape).toEqual([1, 2, 40, 48, 2]);
    expect(backward.shape).toEqual([1, 2, 40, 48, 2]);
    // reference: the network on the clip resized to 64x64; its 1/2-scale output x 20 (pixels at 64x64), resized to 40x48 and
    // scaled by 48/64 (u) and 40/64 (v)
    const resized = tf.reshape(tf.image.resizeBilinear(tf.reshape(clip, [3, 40, 48, 3]) as tf.Tensor4D, [64, 64], false, true), [1, 3, 64, 64, 3]) as tf.Tensor5D;
    const half = (model.predict(tf.reshape(tf.transpose(resized, [0, 2, 3, 1, 4]), [1, 64, 64, 9])) as tf.Tensor[])[4] as tf.Tensor4D;
    const back = (await tf.image.resizeBilinear(tf.mul(half, 20) as tf.Tensor4D, [40, 48]).array()) as number[][][][];
    const got = (await forward.array()) as number[][][][][];
    for (const [y, x] of [[0, 0], [13, 29], [39, 47]]) {
      for (let pair = 0; pair < 2; pair++) {
        expect(got[0][pair][y][x][0]).toBeCloseTo(back[0][y][x][2 * pair] * (48 / 64), 4);
        expect(got[0][pair][y][x][1]).toBeCloseTo(back[0][y][x][2 * pair + 1] * (40 / 64), 4);
      }
    }
    model.dispose();
  });
});

describe('losses', () => {
  it('charbonnier: ((beta x)^2 + eps^2)^alpha', async () => {
    const x = tf.tensor1d([0, 0.01, -0.5]);
    const got = await charbonnier(x, 0.4, 255).data();
    for (const [i, v] of [0, 0.01, -0.5].entries()) expect(got[i]).toBeCloseTo(((255 * v) ** 2 + 1e-6) ** 0.4, 3);
  });

  it('the border mask covers all four sides', async () => {
    const m = (await borderMask(20, 30).data()) as Float32Array;
    const at = (y: number, x: number) => m[y * 30 + x];
    expect([at(0, 15), at(19, 15), at(10, 0), at(10, 29), at(1, 15), at(10, 2)]).toEqual([0, 0, 0, 0, 0, 0]);
    expect([at(2, 3), at(17, 26), at(10, 15)]).toEqual([1, 1, 1]);
  });

  it('photometric: the true flow of a translated texture scores far better than zero flow', async () => {
    const [h, w] = [32, 32];
    const first = texture(h, w);
    const second = texture(h, w, 2, -1); // content moved by (2, -1): first(p) = second(p + (2, -1))
    const truth = tf.tile(tf.tensor4d([2, -1], [1, 1, 1, 2]), [1, h, w, 1]) as tf.Tensor4D;
    const right = (await photometricLoss(first, second, truth).data())[0];
    const wrong = (await photometricLoss(first, second, tf.zerosLike(truth) as tf.Tensor4D).data())[0];
    expect(right).toBeLessThan(wrong / 3);
  });

  it('SSIM: 0 for identical images; equal to a naive per-window computation', async () => {
    const a = tf.randomUniform([1, 16, 16, 1], 0, 1, 'float32', 3) as tf.Tensor4D;
    const b = tf.randomUniform([1, 16, 16, 1], 0, 1, 'float32', 4) as tf.Tensor4D;
    expect((await ssimLoss(a, a).data())[0]).toBeCloseTo(0, 5);
    const [av, bv, g] = [await a.data(), await b.data(), await gaussianWindow().data()];
    let total = 0;
    for (const [oy, ox] of [
      [0, 0],
      [0, 8],
      [8, 0],
      [8, 8],
    ]) {
      let [mx, my, sxx, syy, sxy] = [0, 0, 0, 0, 0];
      for (let y = 0; y < 8; y++)
        for (let x = 0; x < 8; x++) {
          const [p, q, k] = [av[(oy + y) * 16 + ox + x], bv[(oy + y) * 16 + ox + x], g[y * 8 + x]];
          mx += k * p;
          my += k * q;
          sxx += k * p * p;
          syy += k * q * q;
          sxy += k * p * q;
        }
      const [vx, vy, cxy] = [sxx - mx * mx, syy - my * my, sxy - mx * my];
      total += 1 - ((2 * mx * my + 1e-4) * (2 * cxy + 1e-3)) / ((mx * mx + my * my + 1e-4) * (vx + vy + 1e-3));
    }
    expect((await ssimLoss(a, b).data())[0]).toBeCloseTo(total / 4, 4);
    // the window is Gaussian in both axes (the port's was constant along one)
    expect(g[0]).toBeLessThan(g[3 * 8 + 3] / 4);
    expect(g[3]).toBeLessThan(g[3 * 8 + 3] / 2);
  });

  it('smoothness: minimal for a constant flow, every row and column counted', async () => {
    const flat = tf.fill([1, 6, 5, 2], 0.3) as tf.Tensor4D;
    const base = (0 + 1e-6) ** 0.3;
    expect((await smoothnessLoss(flat, 10).data())[0]).toBeCloseTo(2 * base, 5);
    // one step in the last row shows up (the port's slicing dropped rows)
    const v = new Float32Array(60).fill(0);
    for (let x = 0; x < 5; x++) v[(5 * 5 + x) * 2] = 1;
    expect((await smoothnessLoss(tf.tensor4d(v, [1, 6, 5, 2]), 10).data())[0]).toBeGreaterThan(2 * base + 0.1);
  });
});

describe('warping and the loss floor', () => {
  it('warping the second frame back with the true flow reproduces the first (integer shift: exact inside)', async () => {
    const [h, w] = [24, 28];
    const first = texture(h, w);
    const second = texture(h, w, 3, -2); // first(p) = second(p + (3, -2))
    const flow = tf.tile(tf.tensor4d([3, -2], [1, 1, 1, 2]), [1, h, w, 1]) as tf.Tensor4D;
    const warped = (await warpBilinear(second, flow).array()) as number[][][][];
    const expected = (await first.array()) as number[][][][];
    // inside: p + (3, -2) stays on the map
    for (let y = 2; y < h; y++) for (let x = 0; x < w - 3; x++) for (let c = 0; c < 3; c++) expect(warped[0][y][x][c]).toBeCloseTo(expected[0][y][x][c], 5);
    // half a pixel: the bilinear mean of the two neighbours
    const half = tf.tile(tf.tensor4d([0.5, 0], [1, 1, 1, 2]), [1, h, w, 1]) as tf.Tensor4D;
    const between = (await warpBilinear(second, half).array()) as number[][][][];
    const s = (await second.array()) as number[][][][];
    expect(between[0][5][7][1]).toBeCloseTo((s[0][5][7][1] + s[0][5][8][1]) / 2, 5);
  });

  it('identical frames and zero flow: SSIM 0, photometric and smoothness at eps^(2 alpha) per scale', async () => {
    const frame = texture(64, 64);
    const clip = tf.stack([frame, frame, frame], 1).reshape([1, 3, 64, 64, 3]) as tf.Tensor5D;
    // zero predictions at the five scales, 2 flows (3 frames) each; float32 sums: 5 decimals
    const predictions = [2, 4, 8, 16, 32].map((s) => tf.zeros([1, s, s, 4]));
    const loss = directionLoss(clip, predictions);
    const eps2 = 1e-6;
    expect((await loss.ssim.data())[0]).toBeCloseTo(0, 5);
    expect((await loss.photometric.data())[0]).toBeCloseTo(5 * eps2 ** 0.4, 5);
    expect((await loss.smoothness.data())[0]).toBeCloseTo(10 * eps2 ** 0.3, 5);
    expect((await loss.total.data())[0]).toBeCloseTo(5 * eps2 ** 0.4 + 10 * eps2 ** 0.3, 5);
  });
});

describe('training', () => {
  it('the unsupervised loss gives the same gradients on wasm as on cpu, and they reach every conv', async () => {
    const results: Float32Array[][] = [];
    let weights: tf.Tensor[] = [];
    for (const backend of ['wasm', 'cpu']) {
      await tf.setBackend(backend);
      const model = createMotionNet({ frames: 2, height: 32, width: 32, widthMultiplier: 1 / 16 });
      if (weights.length > 0) model.setWeights(weights);
      else weights = model.getWeights().map((w) => tf.clone(w));
      const clip = tf.stack([texture(32, 32), texture(32, 32, 1.5, 0.5)], 1) as tf.Tensor5D;
      const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
      const { grads } = tf.variableGrads(() => unsupervisedLoss(model, clip).total, variables);
      results.push(await Promise.all(variables.map(async (v) => Float32Array.from(await grads[v.name].data()))));
      model.dispose();
    }
    let worst = 0;
    for (const [i, a] of results[0].entries()) {
      const b = results[1][i];
      const scale = Math.max(1e-6, ...b.map(Math.abs));
      expect(scale, `gradient ${i}`).toBeGreaterThan(1e-6);
      for (let j = 0; j < a.length; j++) worst = Math.max(worst, Math.abs(a[j] - b[j]) / scale);
    }
    expect(worst).toBeLessThan(5e-3);
    await tf.setBackend('wasm');
  });
});
