/**
 * The gradients the project's networks use, on wasm, against the cpu backend
 * (and, for max-pooling, against a naive loop written here): this is where a
 * wrong wasm kernel shows up. Same 1e-4 relative tolerance as kernels.test.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { maxRelativeError, onBackend, randomArray, randomInt, rng, setupBackends } from './helpers.js';

beforeAll(setupBackends);

/** The gradient of sum(op(x) * fixed pseudo-random weights) with respect to x. */
function weightedGrad(op: (x: tf.Tensor) => tf.Tensor, x: () => tf.Tensor): () => tf.Tensor {
  return () =>
    tf.grad((t: tf.Tensor) => {
      const y = op(t);
      return y.mul(tf.range(0, y.size).reshape(y.shape).mul(0.37).sin()).sum();
    })(x());
}

function naiveMaxPoolGrad(
  x: Float32Array,
  shape: number[],
  k: number,
  s: number,
  pad: 'same' | 'valid',
  dyAt: (flatOutputIndex: number) => number,
): Float32Array {
  const [n, h, w, c] = shape;
  const oh = pad === 'same' ? Math.ceil(h / s) : Math.floor((h - k) / s) + 1;
  const ow = pad === 'same' ? Math.ceil(w / s) : Math.floor((w - k) / s) + 1;
  const top = pad === 'same' ? Math.floor(Math.max(0, (oh - 1) * s + k - h) / 2) : 0;
  const left = pad === 'same' ? Math.floor(Math.max(0, (ow - 1) * s + k - w) / 2) : 0;
  const dx = new Float32Array(x.length);
  for (let b = 0; b < n; b++)
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++)
        for (let ch = 0; ch < c; ch++) {
          let best = -Infinity;
          let at = -1;
          for (let i = 0; i < k; i++)
            for (let j = 0; j < k; j++) {
              const iy = oy * s + i - top;
              const ix = ox * s + j - left;
              if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
              const q = ((b * h + iy) * w + ix) * c + ch;
              if (x[q] > best) {
                best = x[q];
                at = q;
              }
            }
          dx[at] += dyAt(((b * oh + oy) * ow + ox) * c + ch);
        }
  return dx;
}

describe('resizeBilinear gradient (replaced on cpu and wasm)', () => {
  const next = rng(9);
  const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
    let s = 0;
    for (let i = 0; i < a.length; i++) s += a[i] * b[i];
    return s;
  };
  for (const [alignCorners, halfPixelCenters] of [[false, false], [true, false], [false, true]]) {
    it(`is the adjoint of the forward resize (alignCorners ${alignCorners}, halfPixelCenters ${halfPixelCenters}), non-square, up and down`, async () => {
      for (let trial = 0; trial < 4; trial++) {
        const shape: [number, number, number, number] = [2, randomInt(2, 9, next), randomInt(2, 9, next), randomInt(1, 3, next)];
        const size: [number, number] = [randomInt(2, 12, next), randomInt(2, 12, next)];
        const x = randomArray(shape.reduce((a, b) => a * b), next);
        const dy = randomArray(shape[0] * size[0] * size[1] * shape[3], next);
        // <resize(x), dy> = <x, resize^T(dy)> for the linear map resize
        const [y] = await onBackend('cpu', () => tf.image.resizeBilinear(tf.tensor(x, shape) as tf.Tensor4D, size, alignCorners, halfPixelCenters));
        for (const backend of ['wasm', 'cpu'] as const) {
          const [dx] = await onBackend(backend, () =>
            tf.grad((t: tf.Tensor) =>
              tf.image.resizeBilinear(t as tf.Tensor4D, size, alignCorners, halfPixelCenters).mul(tf.tensor(dy, [shape[0], ...size, shape[3]])).sum(),
            )(tf.tensor(x, shape)),
          );
          expect(dx.length).toBe(x.length);
          const lhs = dot(y, dy);
          expect(Math.abs(dot(x, dx) - lhs) / Math.max(1, Math.abs(lhs)), backend).toBeLessThan(1e-5);
        }
      }
    });
  }
});

describe('wasm gradients used by the networks', () => {
  const next = rng(7);

  it('max-pool: equal to a naive loop, on random shapes, strides and paddings', async () => {
    for (let trial = 0; trial < 12; trial++) {
      const shape = [randomInt(1, 3, next), randomInt(4, 11, next), randomInt(4, 11, next), randomInt(1, 5, next)];
      const k = randomInt(2, 3, next);
      const s = randomInt(1, 2, next);
      const pad = trial % 2 === 0 ? 'same' : 'valid';
      const x = randomArray(shape.reduce((a, b) => a * b), next);
      const [got] = await onBackend(
        'wasm',
        weightedGrad((t) => tf.maxPool(t as tf.Tensor4D, k, s, pad), () => tf.tensor(x, shape)),
      );
      const expected = naiveMaxPoolGrad(x, shape, k, s, pad, (i) => Math.sin(Math.fround(i * Math.fround(0.37))) /* the float32 argument tfjs computes */);
      // a position collects up to k*k float32 dy values: ~1e-7 relative rounding each
      expect(maxRelativeError(got, expected), `${shape} k${k} s${s} ${pad}`).toBeLessThan(1e-5);
    }
  });

  const ops: { name: string; shape: () => number[]; op: (x: tf.Tensor) => tf.Tensor }[] = [
    { name: 'avgPool 3x3 s2 same', shape: () => [2, randomInt(5, 9, next), randomInt(5, 9, next), 3], op: (x) => tf.avgPool(x as tf.Tensor4D, 3, 2, 'same') },
    { name: 'avgPool 2x2 s2 valid', shape: () => [2, randomInt(4, 9, next), randomInt(4, 9, next), 2], op: (x) => tf.avgPool(x as tf.Tensor4D, 2, 2, 'valid') },
    {
      name: 'conv2d input gradient, stride 2 same',
      shape: () => [2, randomInt(5, 10, next), randomInt(5, 10, next), 3],
      op: (x) => tf.conv2d(x as tf.Tensor4D, tf.tensor4d(randomArray(3 * 3 * 3 * 4, rng(1)), [3, 3, 3, 4]), 2, 'same'),
    },
    {
      name: 'conv2d input gradient, stride 1 valid',
      shape: () => [1, randomInt(5, 10, next), randomInt(5, 10, next), 2],
      op: (x) => tf.conv2d(x as tf.Tensor4D, tf.tensor4d(randomArray(3 * 2 * 2 * 5, rng(2)), [3, 2, 2, 5]), 1, 'valid'),
    },
    {
      name: 'conv2dTranspose 4x4 stride 2 (a deconvolution)',
      shape: () => [2, randomInt(3, 6, next), randomInt(3, 6, next), 3],
      op: (x) => {
        const [n, h, w] = x.shape;
        return tf.conv2dTranspose(x as tf.Tensor4D, tf.tensor4d(randomArray(4 * 4 * 2 * 3, rng(3)), [4, 4, 2, 3]), [n, h * 2, w * 2, 2], 2, 'same');
      },
    },
    { name: 'leakyRelu', shape: () => [3, 5, 7], op: (x) => tf.leakyRelu(x, 0.1) },
    {
      name: 'batch norm (moments) + relu',
      shape: () => [4, 3, 3, 5],
      op: (x) => {
        const { mean, variance } = tf.moments(x, [0, 1, 2]);
        return tf.relu(tf.batchNorm(x, mean, variance, tf.zeros([5]), tf.ones([5]), 1e-3));
      },
    },
    { name: 'softmax cross-entropy', shape: () => [6, 5], op: (x) => tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 0], 'int32'), 5), x) },
  ];
  for (const { name, shape, op } of ops) {
    it(`${name}: equal to cpu`, async () => {
      const s = shape();
      const x = randomArray(s.reduce((a, b) => a * b), next);
      const compute = weightedGrad(op, () => tf.tensor(x, s));
      const [wasm] = await onBackend('wasm', compute);
      const [cpu] = await onBackend('cpu', compute);
      expect(maxRelativeError(wasm, cpu)).toBeLessThan(1e-4);
    });
  }
});
