/**
 * The training BatchNorm kernels (BatchNormTraining, BatchNormTrainingGrad)
 * against the stock tfjs composition on the cpu backend, on random shapes
 * (rows on both sides of the parallel chunking, 1..70 channels): y, batch mean
 * and biased variance, the running statistics' update (PyTorch's rule, unbiased
 * variance), and dx, dGamma, dBeta (the composition's autodiff of
 * tf.moments + tf.batchNorm). Tolerance 1e-4 relative, as for the op's own
 * composition (resnet-s3d): with 2 rows dx is a difference of nearly equal
 * terms, where the float32 composition itself is off by ~5e-5.
 */
import * as tf from '@tensorflow/tfjs';
import { seededRandom } from '@trajectorynet/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { maxRelativeError, nativeAvailable, setupBackends, withNative, withoutNative } from './helpers.js';

const native = nativeAvailable();
beforeAll(setupBackends);

describe.skipIf(!native)('training BatchNorm kernels', () => {
  it('forward, running statistics and gradients equal the stock composition on random shapes', async () => {
    const next = seededRandom(29);
    for (let trial = 0; trial < 10; trial++) {
      const rows = trial === 0 ? 2 : 1 + Math.floor(next() * 5000);
      // the last two: a mean far from zero next to a small spread (the one-pass variance is a difference of large sums there)
      const offset = trial >= 8 ? 300 * (next() - 0.5) : 0;
      const c = 1 + Math.floor(next() * 70);
      const momentum = 0.1 + 0.5 * next();
      const eps = trial % 2 === 0 ? 1e-5 : 1e-3;
      const data = {
        x: Float32Array.from({ length: rows * c }, () => offset + 4 * next() - 1),
        gamma: Float32Array.from({ length: c }, () => 0.5 + next()),
        beta: Float32Array.from({ length: c }, () => next() - 0.5),
        runMean: Float32Array.from({ length: c }, () => next() - 0.5),
        runVar: Float32Array.from({ length: c }, () => 0.5 + next()),
        dy: Float32Array.from({ length: rows * c }, () => 2 * next() - 1),
      };
      const t = () => ({
        x: tf.tensor2d(data.x, [rows, c]),
        gamma: tf.tensor1d(data.gamma),
        beta: tf.tensor1d(data.beta),
        runMean: tf.tensor1d(data.runMean),
        runVar: tf.tensor1d(data.runVar),
        dy: tf.tensor2d(data.dy, [rows, c]),
      });
      const kernels = () => {
        const { x, gamma, beta, runMean, runVar, dy } = t();
        const outs = tf.engine().runKernel('BatchNormTraining', { x, gamma, beta, runMean, runVar }, { epsilon: eps, momentum } as unknown as tf.NamedAttrMap) as tf.Tensor[];
        const grads = tf.engine().runKernel('BatchNormTrainingGrad', { dy, x, gamma, mean: outs[1], variance: outs[2] }, { epsilon: eps } as unknown as tf.NamedAttrMap) as tf.Tensor[];
        return [...outs, ...grads];
      };
      const stock = () => {
        const { x, gamma, beta, runMean, runVar, dy } = t();
        const f = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
          const { mean, variance } = tf.moments(a, [0]);
          return tf.batchNorm(a as tf.Tensor2D, mean, variance, b as tf.Tensor1D, g as tf.Tensor1D, eps);
        };
        const { mean, variance } = tf.moments(x, [0]);
        const unbiased = tf.mul(variance, rows / Math.max(1, rows - 1));
        const newMean = tf.add(tf.mul(runMean, 1 - momentum), tf.mul(mean, momentum));
        const newVar = tf.add(tf.mul(runVar, 1 - momentum), tf.mul(unbiased, momentum));
        const grads = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(f(a, g, b), dy)))([x, gamma, beta]);
        return [f(x, gamma, beta), mean, variance, newMean, newVar, ...grads];
      };
      const { values, calls } = await withNative(kernels);
      const reference = await withoutNative('cpu', stock);
      const names = ['y', 'mean', 'variance', 'running mean', 'running variance', 'dx', 'dGamma', 'dBeta'];
      for (let i = 0; i < names.length; i++) expect(maxRelativeError(values[i], reference[i]), `${names[i]}: rows ${rows}, channels ${c}`).toBeLessThan(1e-4);
      expect(calls).toEqual({ batchNormTrain: 1, batchNormTrainGrad: 1 });
    }
  });

  it('refuses what it cannot compute (no stock kernel to fall back to): x not [rows, C]', async () => {
    await expect(withNative(() => tf.engine().runKernel('BatchNormTraining', { x: tf.zeros([2, 3, 4]), gamma: tf.ones([4]), beta: tf.zeros([4]), runMean: tf.zeros([4]), runVar: tf.ones([4]) }, { epsilon: 1e-5, momentum: 0.1 } as unknown as tf.NamedAttrMap) as tf.Tensor[])).rejects.toThrow(/x \[rows, C\] expected/);
  });
});
