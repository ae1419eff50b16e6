/**
 * The loss terms against the Hidden Two-Stream Caffe layers: hand-computed
 * cases (expected values worked out by hand from the layer code, written as
 * literals), and naive loops written after the layers' C++/CUDA loops on
 * random shapes.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@trajectorynet/runtime';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  borderMask,
  charbonnier,
  directionLoss,
  downsampleImages,
  downsampleWeights,
  gaussianWindow,
  gaussianWindow1d,
  lrnNormalise,
  photometricLoss,
  REFERENCE_LOSS_WEIGHTS,
  smoothnessLoss,
  ssimLoss,
} from '../src/index.js';

beforeAll(async () => {
  await initBackend({ prefer: 'wasm', log: null });
});

const values = async (t: tf.Tensor) => Array.from(await t.data());

describe('Charbonnier and masks', () => {
  it('charbonnier: ((beta x)^2 + eps^2)^alpha', async () => {
    const got = await values(charbonnier(tf.tensor1d([0, 0.01, -0.5]), 0.4, 255));
    // (2.55^2 + 1e-6)^0.4 = 2.1146192; (127.5^2 + 1e-6)^0.4 = 127.5^0.8 = 48.35130; (1e-6)^0.4 = 0.0039811
    expect(got[0]).toBeCloseTo(0.0039811, 6);
    expect(got[1]).toBeCloseTo(2.1146192, 4);
    expect(got[2]).toBeCloseTo(48.3513, 3);
  });

  it('border mask: round(0.1 min(H, W)) pixels on all four sides, as the borderMask filler, but at least 1', async () => {
    const m = await values(borderMask(20, 30)); // border round(2.0) = 2
    const at = (y: number, x: number) => m[y * 30 + x];
    expect([at(1, 15), at(18, 15), at(10, 1), at(10, 28)]).toEqual([0, 0, 0, 0]);
    expect([at(2, 2), at(17, 27), at(10, 15)]).toEqual([1, 1, 1]);
    expect(m.reduce((a, b) => a + b)).toBe(16 * 26);
    expect((await values(borderMask(5, 9))).reduce((a, b) => a + b)).toBe(3 * 7); // round(0.5) = 1
    // our deviation: the filler's round(0.4) = 0 would leave a 4x4 map unmasked; we keep 1 pixel (the inner 2x2)
    expect(await values(borderMask(4, 4))).toEqual([0, 0, 0, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0]);
    expect(await values(borderMask(2, 2))).toEqual([0, 0, 0, 0]);
  });
});

describe('LRN images', () => {
  it('(RGB - the Caffe mean) / (1 + (r^2 + g^2 + b^2) / 9)^0.7: local_size 9, alpha 1 / 9, beta 0.7', async () => {
    const got = await values(lrnNormalise(tf.tensor4d([1, 0.5, 0], [1, 1, 1, 3])));
    // centred (1 - 123/255, 0.5 - 117/255, -104/255) = (0.517647, 0.041176, -0.407843); sum of squares 0.435986;
    // (1 + 0.435986 / 9)^0.7 = 1.033669
    expect(got[0]).toBeCloseTo(0.500786, 5);
    expect(got[1]).toBeCloseTo(0.0398353, 5);
    expect(got[2]).toBeCloseTo(-0.394559, 5);
  });
});

describe('Caffe Downsample', () => {
  it('hand-computed weights: 5 -> 3 is a tent of half-width 2 with corners aligned, renormalised at the edges', () => {
    const w = Array.from(downsampleWeights(5, 3));
    const expected = [2 / 3, 1 / 3, 0, 0, 0, 0, 0.25, 0.5, 0.25, 0, 0, 0, 0, 1 / 3, 2 / 3];
    for (const [i, v] of w.entries()) expect(v).toBeCloseTo(expected[i], 6);
    expect(Array.from(downsampleWeights(3, 3))).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1]);
    expect(Array.from(downsampleWeights(4, 1))).toEqual([0.25, 0.25, 0.25, 0.25]); // our extension: the layer cannot make 1 pixel
  });

  it('images equal the layer loop (DownsampleFeatures) on random shapes', async () => {
    for (const [n, H, W, h, w, c] of [
      [2, 13, 9, 5, 4, 3],
      [1, 32, 48, 4, 6, 2],
      [1, 7, 7, 2, 3, 1],
    ]) {
      const input = tf.randomUniform([n, H, W, c], -1, 1, 'float32', H * W);
      const x = await values(input);
      const got = await values(downsampleImages(input as tf.Tensor4D, h, w));
      const [ws, hs] = [(W - 1) / (w - 1), (H - 1) / (h - 1)];
      const [wr, hr] = [Math.ceil(ws), Math.ceil(hs)];
      for (let b = 0; b < n; b++)
        for (let dy = 0; dy < h; dy++)
          for (let dx = 0; dx < w; dx++)
            for (let ch = 0; ch < c; ch++) {
              const [botx, boty] = [(dx / (w - 1)) * (W - 1), (dy / (h - 1)) * (H - 1)];
              let [value, weight] = [0, 0];
              for (let yo = -hr; yo <= hr; yo++)
                for (let xo = -wr; xo <= wr; xo++) {
                  const [bx, by] = [Math.round(botx) + xo, Math.round(boty) + yo];
                  if (bx < 0 || by < 0 || bx >= W || by >= H) continue;
                  const k = Math.max(0, 1 - Math.abs(bx - botx) / ws) * Math.max(0, 1 - Math.abs(by - boty) / hs);
                  value += k * x[((b * H + by) * W + bx) * c + ch];
                  weight += k;
                }
              expect(got[((b * h + dy) * w + dx) * c + ch]).toBeCloseTo(value / weight, 5);
            }
    }
  });
});

describe('photometric term (CharbonnierLoss with the border mask)', () => {
  it('hand-computed: a constant difference of 0.01 gives (2.55^2 + eps^2)^0.4 / N', async () => {
    // N = 2 samples of one pair, 5x5 (border 1, 3x3 inside), 3 channels: masked sum 2*27*v over N * (N*27) = v / 2
    const first = tf.fill([2, 5, 5, 3], 0.51) as tf.Tensor4D;
    const warped = tf.fill([2, 5, 5, 3], 0.5) as tf.Tensor4D;
    expect(await values(photometricLoss(first, warped, 2))).toEqual([expect.closeTo(2.1146192 / 2, 4)]);
    // one sample of two pairs: the pairs are channels of one sample, so the value is the plain mean
    expect(await values(photometricLoss(first, warped, 1))).toEqual([expect.closeTo(2.1146192, 4)]);
    // differences on the border do not count
    const spoiled = tf.tensor4d(
      (await values(warped)).map((v, i) => (Math.floor(i / 3) % 5 === 0 ? 9 : v)),
      [2, 5, 5, 3],
    );
    expect(await values(photometricLoss(first, spoiled, 2))).toEqual([expect.closeTo(2.1146192 / 2, 4)]);
    // a 2x2 map has nothing inside its border: no term
    expect(await values(photometricLoss(tf.ones([1, 2, 2, 3]) as tf.Tensor4D, tf.zeros([1, 2, 2, 3]) as tf.Tensor4D))).toEqual([0]);
  });
});

describe('SSIM term', () => {
  it('hand-computed window: centred at 4 (not 3.5), sigma 16/12, normalised', async () => {
    const g = await values(gaussianWindow());
    // 1D terms exp(-(i-4)^2 / (2 (4/3)^2)), i = 0..7, sum to 3.3292122: w(4,4) = 1 / 3.3292122^2
    expect(g[4 * 8 + 4]).toBeCloseTo(0.0902230, 6);
    expect(g[0]).toBeCloseTo(Math.exp(-9) * 0.0902230, 8);
    expect(g[3 * 8 + 3]).toBeLessThan(g[4 * 8 + 4]); // not symmetric about 3.5
    expect(g.reduce((a, b) => a + b)).toBeCloseTo(1, 6);
    // separable: the 1-D factor is the normalised 1D term, and the window its outer product
    const g1 = gaussianWindow1d();
    expect(g1[4]).toBeCloseTo(1 / 3.3292122, 6);
    expect(g1[0]).toBeCloseTo(Math.exp(-4.5) / 3.3292122, 7);
    for (const [y, x] of [[0, 7], [2, 5], [4, 4], [7, 1]]) expect(g[y * 8 + x]).toBeCloseTo(g1[y] * g1[x], 7);
  });

  // float32: E[x^2] - E[x]^2 cancels to ~1e-7 instead of 0, which against c2 = 1e-3 moves SSIM by ~1e-4 (the Caffe layer
  // computes in float32 too): 3 decimals for constant images
  it('hand-computed: constant images 0.5 vs 0.3 lose 1 - (2ab + c1)/(a^2 + b^2 + c1) per window and channel, summed, / N', async () => {
    // 1 - 0.3001 / 0.3401 = 0.1176125; N = 2, 3 channels, 16x8 = 2 windows: 2 * 3 * 2 * 0.1176125 / 2
    const a = tf.fill([2, 16, 8, 3], 0.5) as tf.Tensor4D;
    const b = tf.fill([2, 16, 8, 3], 0.3) as tf.Tensor4D;
    expect(await values(ssimLoss(a, b, 2))).toEqual([expect.closeTo(0.7056748, 3)]);
    expect(await values(ssimLoss(a, a, 2))).toEqual([expect.closeTo(0, 3)]);
  });

  it('hand-computed: a window past the edge keeps only its inside weights (12x8: ceil(4/8) + 1 = 2 windows)', async () => {
    // second window: rows 8..11 with kernel rows 0..3, total weight 0.3514827; then mu = 0.35 a but sigma^2 = a^2 w (1 - w) != 0:
    // SSIM 0.7801160, loss (1 - 0.8823875) + (1 - 0.7801160) = 0.3374964
    const a = tf.fill([1, 12, 8, 1], 0.5) as tf.Tensor4D;
    const b = tf.fill([1, 12, 8, 1], 0.3) as tf.Tensor4D;
    expect(await values(ssimLoss(a, b))).toEqual([expect.closeTo(0.3374964, 3)]);
  });

  it('equals the layer loop (GaussConvolveHelper + Forward_cpu) on random shapes, including windows past the edge', async () => {
    const g = await values(gaussianWindow());
    for (const [n, h, w, c, samples] of [
      [2, 16, 16, 3, 2],
      [4, 13, 21, 3, 2],
      [1, 5, 6, 2, 1],
    ]) {
      const [xa, ya] = [tf.randomUniform([n, h, w, c], -0.5, 0.5, 'float32', 5), tf.randomUniform([n, h, w, c], -0.5, 0.5, 'float32', 6)];
      const [x, y] = [await values(xa), await values(ya)];
      const [ph, pw] = [Math.ceil((h - 8) / 8) + 1, Math.ceil((w - 8) / 8) + 1];
      let count = 0;
      let ssim = 0;
      for (let b = 0; b < n; b++)
        for (let ch = 0; ch < c; ch++)
          for (let py = 0; py < ph; py++)
            for (let px = 0; px < pw; px++) {
              let [ux, uy, sx2, sy2, sxy] = [0, 0, 0, 0, 0];
              for (let yy = py * 8; yy < Math.min(py * 8 + 8, h); yy++)
                for (let xx = px * 8; xx < Math.min(px * 8 + 8, w); xx++) {
                  const k = g[(yy - py * 8) * 8 + (xx - px * 8)];
                  const [p, q] = [x[((b * h + yy) * w + xx) * c + ch], y[((b * h + yy) * w + xx) * c + ch]];
                  ux += k * p;
                  uy += k * q;
                  sx2 += k * p * p;
                  sy2 += k * q * q;
                  sxy += k * p * q;
                }
              const lp = (2 * ux * uy + 1e-4) / (ux * ux + uy * uy + 1e-4);
              const cs = (2 * (sxy - ux * uy) + 1e-3) / (sx2 - ux * ux + sy2 - uy * uy + 1e-3);
              ssim += lp * cs;
              count += 1;
            }
      const expected = (count - ssim) / samples;
      const got = (await values(ssimLoss(xa as tf.Tensor4D, ya as tf.Tensor4D, samples)))[0];
      expect(Math.abs(got - expected) / expected).toBeLessThan(1e-4);
    }
  });
});

describe('smoothness term', () => {
  it('hand-computed: u = 0.1 x on a 5x5 map, beta 10', async () => {
    // inside the border (3x3): du/dx term ((10 * 0.1)^2 + eps^2)^0.3 = 1.0000003, the other three eps^0.6 = 0.0158489;
    // 9 pixels * (1.0000003 + 3 * 0.0158489) / (N^2 * 3 * pairs * 9) with N = 1, one pair = 0.3491824
    const v = new Float32Array(50);
    for (let i = 0; i < 25; i++) v[2 * i] = 0.1 * (i % 5);
    expect(await values(smoothnessLoss(tf.tensor4d(v, [1, 5, 5, 2]), 10))).toEqual([expect.closeTo(0.3491824, 5)]);
  });

  it('equals the prototxt path (FlowDeltas conv, flow border mask, Charbonnier with the 3-channel-per-pair mask) on random shapes', async () => {
    for (const [n, h, w, pairs, beta] of [
      [2, 7, 9, 1, 0.625],
      [3, 12, 10, 3, 5],
    ]) {
      const predictions = tf.randomNormal([n, h, w, 2 * pairs], 0, 0.2, 'float32', 7);
      const p = await values(predictions);
      const border = Math.round(0.1 * Math.min(h, w));
      const at = (b: number, y: number, x: number, ch: number) => (x < w && y < h ? p[((b * h + y) * w + x) * 2 * pairs + ch] : 0);
      let sum = 0;
      for (let b = 0; b < n; b++)
        for (let ch = 0; ch < 2 * pairs; ch++)
          for (let y = border; y < h - border; y++)
            for (let x = border; x < w - border; x++) {
              const dx = x === w - 1 ? 0 : at(b, y, x, ch) - at(b, y, x + 1, ch);
              const dy = y === h - 1 ? 0 : at(b, y, x, ch) - at(b, y + 1, x, ch);
              sum += ((beta * dx) ** 2 + 1e-6) ** 0.3 + ((beta * dy) ** 2 + 1e-6) ** 0.3;
            }
      const maskSum = n * 3 * pairs * (h - 2 * border) * (w - 2 * border);
      const got = (await values(smoothnessLoss(predictions as tf.Tensor4D, beta)))[0];
      expect(got).toBeCloseTo(sum / (n * maskSum), 5);
    }
  });
});

describe('one direction, all scales', () => {
  it('identical frames and zero flow: SSIM 0, photometric eps^0.8 / N and smoothness (4/3) eps^0.6 / N per scale', async () => {
    // N = 2 stacks of 3 identical frames (2 pairs), 64x64: predictions 2x2 ... 32x32; the 2x2 scale has an empty mask and
    // is left out, so 4 scales count
    const frame = tf.randomUniform([2, 1, 64, 64, 3], 0, 1, 'float32', 11);
    const clip = tf.concat([frame, frame, frame], 1) as tf.Tensor5D;
    const predictions = [2, 4, 8, 16, 32].map((s) => tf.zeros([2, s, s, 4]));
    const loss = directionLoss(clip, predictions);
    // per scale: photometric (1e-6)^0.4 / 2; smoothness: 4 differences per pair at each masked pixel over 3 channels per pair, / 2
    expect((await values(loss.ssim))[0]).toBeCloseTo(0, 5);
    expect((await values(loss.photometric))[0]).toBeCloseTo((4 * 1e-6 ** 0.4) / 2, 6);
    expect((await values(loss.smoothness))[0]).toBeCloseTo((4 * (4 / 3) * 1e-6 ** 0.3) / 2, 5);
    expect(REFERENCE_LOSS_WEIGHTS.ssim).toEqual([0.16, 0.08, 0.04, 0.02, 0.01]);
  });

  it('the true flow of a translated texture scores far better than zero flow', async () => {
    // content moves by (4, -2) px at 64x64: first(p) = second(p + (4, -2)); predictions are flow / 20 at every scale
    const texture = (dx: number, dy: number) =>
      tf.tensor4d(
        Float32Array.from({ length: 64 * 64 * 3 }, (_, i) => {
          const [x, y, c] = [Math.floor(i / 3) % 64, Math.floor(i / 192), i % 3];
          return 0.5 + 0.2 * Math.sin(0.3 * (x - dx) + c) + 0.2 * Math.cos(0.25 * (y - dy) - c);
        }),
        [1, 64, 64, 3],
      );
    const clip = tf.stack([texture(0, 0), texture(4, -2)], 1).reshape([1, 2, 64, 64, 3]) as tf.Tensor5D;
    const constant = (u: number, v: number) => [2, 4, 8, 16, 32].map((s) => tf.tile(tf.tensor4d([u, v], [1, 1, 1, 2]), [1, s, s, 1]));
    const right = directionLoss(clip, constant(4 / 20, -2 / 20));
    const wrong = directionLoss(clip, constant(0, 0));
    expect((await values(right.photometric))[0]).toBeLessThan((await values(wrong.photometric))[0] / 2);
    expect((await values(right.ssim))[0]).toBeLessThan((await values(wrong.ssim))[0] / 2);
  });

  it('small inputs: the true flow beats zero flow (without the 1-pixel minimum border, 2x2 and 4x4 scales pulled towards zero)', async () => {
    // a grating and blocky hash noise at 32x32, translated by (3, -2) px, the flow given as constant predictions at every scale
    const hash = (x: number, y: number, c: number) => {
      const h = Math.sin(Math.floor(x / 2) * 127.1 + Math.floor(y / 2) * 311.7 + c * 74.7) * 43758.5453;
      return h - Math.floor(h);
    };
    const patterns = {
      gratings: (x: number, y: number, c: number) => 0.5 + 0.25 * Math.sin(0.7 * x + 0.4 * y + c) * Math.cos(0.3 * x - 0.6 * y),
      noise: (x: number, y: number, c: number) => 0.2 + 0.6 * hash(x, y, c),
    };
    const [dx, dy] = [3, -2];
    for (const [kind, f] of Object.entries(patterns)) {
      const frame = (ox: number, oy: number) => Array.from({ length: 32 * 32 * 3 }, (_, i) => f(Math.floor(i / 3) % 32 - ox, Math.floor(i / 96) - oy, i % 3));
      const clip = tf.tensor5d([...frame(0, 0), ...frame(dx, dy)], [1, 2, 32, 32, 3]);
      const constant = (u: number, v: number) => [1, 2, 4, 8, 16].map((s) => tf.tile(tf.tensor4d([u / 20, v / 20], [1, 1, 1, 2]), [1, s, s, 1]));
      const right = (await values(directionLoss(clip, constant(dx, dy)).photometric))[0];
      const zero = (await values(directionLoss(clip, constant(0, 0)).photometric))[0];
      expect(right, kind).toBeLessThan(0.9 * zero);
    }
  });
});
