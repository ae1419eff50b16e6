import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@trajectorynet/runtime';
import { beforeAll, describe, expect, it } from 'vitest';
import { warpBilinear } from '@trajectorynet/trajectory-conv';
import { createMotionNet, FLOW_FACTORS, motionFlows, unsupervisedLoss } from '../src/index.js';
import { reverseTime } from '../src/unsupervised.js';

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

  it('as the prototxt: no activation after the smoothing convs, LeakyReLU after the feature deconvs, no deconvolution biases', () => {
    const model = createMotionNet({ frames: 2, height: 64, width: 64, widthMultiplier: 1 / 16 });
    const source = (name: string) => (model.getLayer(name).inboundNodes[0].inboundLayers[0] as { name: string }).name;
    for (const level of ['5', '4', '3', '2']) {
      expect(source(`flow${level}`)).toBe(`smooth${level}`);
      expect(source(`deconv${level}_lrelu`)).toBe(`deconv${level}`);
      expect(model.getLayer(`deconv${level}`).getWeights()).toHaveLength(1);
      expect(model.getLayer(`upflow${level}`).getWeights()).toHaveLength(1);
    }
    expect(model.layers.filter((l) => l.name.startsWith('smooth') && l.name.endsWith('lrelu'))).toHaveLength(0);
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

describe('reverseTime (tfjs WebGL reverses rank 4 at most)', () => {
  it('equals tf.reverse(x, 1) on rank 5 and rank 3, values and gradient', () => {
    for (const shape of [[2, 5, 3, 4, 2], [3, 4, 6], [1, 2, 1, 1, 3]]) {
      const x = tf.randomUniform(shape, -1, 1, 'float32', 7);
      const dy = tf.randomUniform(shape, -1, 1, 'float32', 8);
      expect(Array.from(reverseTime(x).dataSync())).toEqual(Array.from(tf.reverse(x, 1).dataSync()));
      const grad = (f: (a: tf.Tensor) => tf.Tensor) => tf.grad((a: tf.Tensor) => tf.sum(tf.mul(f(a), dy)))(x).dataSync();
      expect(Array.from(grad(reverseTime))).toEqual(Array.from(grad((a) => tf.reverse(a, 1))));
      // and it does reverse: not the identity
      expect(Array.from(reverseTime(x).dataSync())).not.toEqual(Array.from(x.dataSync()));
    }
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
    const centred = tf.sub(resized, tf.tensor1d([123 / 255, 117 / 255, 104 / 255])); // the network sees RGB minus the Caffe mean
    const half = (model.predict(tf.reshape(tf.transpose(centred, [0, 2, 3, 1, 4]), [1, 64, 64, 9])) as tf.Tensor[])[4] as tf.Tensor4D;
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

describe('warping', () => {
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
