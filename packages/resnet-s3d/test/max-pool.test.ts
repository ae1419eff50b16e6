/**
 * SpatialMaxPool3D pads PyTorch's way inside the pool (explicit padding, rounding down) instead of a
 * PadV2 with -inf first: the same values and gradients as that pad followed by a 'valid' pool, on
 * random shapes with odd and even sizes, on wasm and on cpu.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@trajectorynet/runtime';
import { describe, expect, it } from 'vitest';
import { SpatialMaxPool3D } from '../src/index.js';

/** The pool as it was: -inf padding of (k-1)/2 on every side, then a 'valid' pool (stride 1: 'same'). */
function reference(x: tf.Tensor5D, k: number, stride: number): tf.Tensor {
  const [n, t, h, w, c] = x.shape;
  const folded = tf.reshape(x, [n * t, h, w, c]) as tf.Tensor4D;
  const p = (k - 1) / 2;
  const pooled = stride === 1 ? tf.maxPool(folded, k, 1, 'same') : tf.maxPool(tf.pad(folded, [[0, 0], [p, p], [p, p], [0, 0]], Number.NEGATIVE_INFINITY), k, stride, 'valid');
  return tf.reshape(pooled, [n, t, ...pooled.shape.slice(1)]);
}

describe.each(['wasm', 'cpu'] as const)('SpatialMaxPool3D on %s', (backend) => {
  it.each([
    [1, 2, 16, 16, 4, 3, 2],
    [2, 1, 15, 9, 3, 3, 2],
    [1, 3, 7, 8, 2, 5, 2],
    [1, 2, 10, 11, 3, 3, 3],
    [1, 2, 6, 5, 2, 3, 1],
  ])('N=%i T=%i H=%i W=%i C=%i k=%i stride %i: values and gradient of the padded pool', async (n, t, h, w, c, k, stride) => {
    await initBackend({ prefer: backend, log: null });
    const x = tf.randomNormal([n, t, h, w, c], 0, 1, 'float32', n * 100 + h * 10 + w) as tf.Tensor5D;
    const layer = new SpatialMaxPool3D({ poolSize: k, stride });
    const y = layer.apply(x) as tf.Tensor;
    const expected = reference(x, k, stride);
    expect(y.shape).toEqual([n, t, Math.ceil(h / stride), Math.ceil(w / stride), c]);
    expect(y.shape).toEqual(expected.shape);
    expect(Array.from(await y.data())).toEqual(Array.from(await expected.data()));
    const dy = tf.randomNormal(y.shape, 0, 1, 'float32', 7);
    const g = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(layer.apply(a) as tf.Tensor, dy)))(x);
    const gRef = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(reference(a as tf.Tensor5D, k, stride), dy)))(x);
    expect(Array.from(await g.data())).toEqual(Array.from(await gRef.data()));
    tf.dispose([x, y, expected, dy, g, gRef]);
  });
});
