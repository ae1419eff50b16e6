/**
 * SpatialConv3D's padding: PyTorch's (k-1)/2 on every side. A strided conv is given that padding
 * explicitly (no separate pad kernel); the reference here pads the frames with tf.pad and runs a
 * 'valid' tf.conv2d on the cpu backend, frame by frame. Forward and gradients (input, kernel,
 * bias) on random shapes, odd and even sizes, k = 1, 3, 7, stride 1 and 2, plain and fused
 * (bias + relu), on cpu and on wasm; the strided conv runs no PadV2.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@trajectorynet/runtime';
import { beforeAll, describe, expect, it } from 'vitest';
import { SpatialConv3D } from '../src/index.js';

beforeAll(async () => {
  await initBackend({ prefer: 'cpu', log: null });
  await initBackend({ prefer: 'wasm', log: null });
});

const CASES: { n: number; t: number; h: number; w: number; c: number; filters: number; k: number; stride: number; activation?: 'linear' | 'relu' }[] = [
  { n: 1, t: 2, h: 16, w: 16, c: 3, filters: 4, k: 7, stride: 2 },
  { n: 2, t: 1, h: 9, w: 12, c: 5, filters: 3, k: 3, stride: 2, activation: 'relu' },
  { n: 1, t: 3, h: 8, w: 7, c: 4, filters: 6, k: 3, stride: 2, activation: 'linear' },
  { n: 1, t: 2, h: 6, w: 6, c: 4, filters: 8, k: 1, stride: 2 },
  { n: 1, t: 2, h: 7, w: 6, c: 3, filters: 2, k: 3, stride: 1, activation: 'relu' },
  { n: 2, t: 2, h: 11, w: 10, c: 2, filters: 3, k: 7, stride: 2, activation: 'relu' },
];

/** The reference on the cpu backend: pad each frame by (k-1)/2 with zeros, 'valid' conv2d, + bias, activation. */
function reference(x: tf.Tensor5D, kernel: tf.Tensor4D, bias: tf.Tensor1D | null, k: number, stride: number, activation?: 'linear' | 'relu'): tf.Tensor {
  const [n, t, h, w, c] = x.shape;
  const p = (k - 1) / 2;
  const frames = tf.pad(tf.reshape(x, [n * t, h, w, c]), [[0, 0], [p, p], [p, p], [0, 0]]) as tf.Tensor4D;
  let y: tf.Tensor = tf.conv2d(frames, kernel, stride, 'valid');
  if (bias != null) y = tf.add(y, bias);
  if (activation === 'relu') y = tf.relu(y);
  return tf.reshape(y, [n, t, ...y.shape.slice(1)]);
}

const maxAbs = (a: tf.Tensor, b: tf.Tensor) => {
  const value = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
  b.dispose();
  return value;
};

describe('SpatialConv3D padding', () => {
  for (const backend of ['cpu', 'wasm']) {
    it.each(CASES)(`on ${backend}: %o equals pad + valid conv2d (cpu), values and gradients`, async ({ n, t, h, w, c, filters, k, stride, activation }) => {
      await tf.setBackend('cpu');
      const xv = tf.randomNormal([n, t, h, w, c], 0, 1, 'float32', h * 31 + w);
      const kv = tf.randomNormal([k, k, c, filters], 0, 0.5, 'float32', k + c);
      const bv = activation != null ? tf.randomNormal([filters], 0, 0.5, 'float32', filters) : null;
      const dyShape = [n, t, Math.ceil(h / stride), Math.ceil(w / stride), filters];
      const dv = tf.randomNormal(dyShape, 0, 1, 'float32', 7);
      const ref = (xx: tf.Tensor5D, kk: tf.Tensor4D, bb: tf.Tensor1D | null) => tf.sum(tf.mul(reference(xx, kk, bb, k, stride, activation), dv));
      const refY = reference(xv as tf.Tensor5D, kv as tf.Tensor4D, bv as tf.Tensor1D | null, k, stride, activation);
      const refGrads =
        bv != null
          ? tf.grads((xx, kk, bb) => ref(xx as tf.Tensor5D, kk as tf.Tensor4D, bb as tf.Tensor1D))([xv, kv, bv])
          : tf.grads((xx, kk) => ref(xx as tf.Tensor5D, kk as tf.Tensor4D, null))([xv, kv]);
      const expected = { y: refY.arraySync(), grads: refGrads.map((g) => ({ shape: g.shape, values: g.arraySync() })) };
      const values = { x: xv.arraySync(), k: kv.arraySync(), b: bv?.arraySync(), dy: dv.arraySync() };
      await tf.setBackend(backend);
      const layer = new SpatialConv3D({ filters, kernelSize: k, stride, useBias: activation != null, activation });
      const x = tf.tensor(values.x) as tf.Tensor5D;
      layer.build(x.shape);
      layer.setWeights(values.b != null ? [tf.tensor(values.k), tf.tensor(values.b)] : [tf.tensor(values.k)]);
      const { kernels } = await tf.profile(() => layer.apply(x) as tf.Tensor);
      // the padding is the conv's own: no pad kernel
      expect(kernels.map((kernel) => kernel.name)).not.toContain('PadV2');
      const y = layer.apply(x) as tf.Tensor;
      expect(y.shape).toEqual(dyShape);
      expect(maxAbs(y, tf.tensor(expected.y))).toBeLessThan(1e-4);
      const dy = tf.tensor(values.dy);
      const weights = layer.trainableWeights.map((v) => v.read() as tf.Variable);
      const { grads } = tf.variableGrads(() => tf.sum(tf.mul(layer.apply(x) as tf.Tensor, dy)) as tf.Scalar, weights);
      const dx = tf.grad((xx) => tf.sum(tf.mul(layer.apply(xx) as tf.Tensor, dy)))(x);
      expect(maxAbs(dx, tf.tensor(expected.grads[0].values))).toBeLessThan(1e-3);
      const got = weights.map((v) => grads[v.name]);
      expect(maxAbs(got[0], tf.tensor(expected.grads[1].values))).toBeLessThan(1e-3);
      if (bv != null) expect(maxAbs(got[1], tf.tensor(expected.grads[2].values))).toBeLessThan(1e-3);
      tf.dispose([x, y, dy, dx, ...Object.values(grads)]);
      for (const weight of layer.weights) weight.dispose();
    });
  }
});
