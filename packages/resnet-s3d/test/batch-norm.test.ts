/**
 * The one-op training BatchNorm (forward and hand-written backward) against
 * tfjs's own autodiff of tf.moments + tf.batchNorm (the unfused version it
 * replaces), on both backends and random shapes. Tolerance 1e-4 relative: both
 * compute the same float32 formulas in different orders.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@trajectorynet/runtime';
import { seededRandom } from '@trajectorynet/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { batchNormTraining } from '../src/layers/batch-norm-training.js';
import { BatchNorm5D } from '../src/layers/spatial.js';

beforeAll(async () => {
  await initBackend({ prefer: 'cpu', log: null });
  await initBackend({ prefer: 'wasm', log: null });
});

function unfused(x: tf.Tensor2D, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon: number) {
  const { mean, variance } = tf.moments(x, [0]);
  return { y: tf.batchNorm(x, mean, variance, beta, gamma, epsilon), mean, variance };
}

function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 1e-12;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}

describe.each(['cpu', 'wasm'])('batchNormTraining on %s', (backend) => {
  it('values, batch statistics and the gradients of x, gamma and beta equal the unfused version', async () => {
    await tf.setBackend(backend);
    const next = seededRandom(5);
    for (let trial = 0; trial < 6; trial++) {
      const rows = 2 + Math.floor(next() * 3000);
      const channels = 1 + Math.floor(next() * 40);
      const values = Float32Array.from({ length: rows * channels }, () => 3 * next() - 1);
      const x = tf.tensor2d(values, [rows, channels]);
      const gamma = tf.tensor1d(Float32Array.from({ length: channels }, () => 0.5 + next()));
      const beta = tf.tensor1d(Float32Array.from({ length: channels }, () => next() - 0.5));
      const weights = tf.sin(tf.range(0, rows * channels).reshape([rows, channels]));
      const run = (f: typeof unfused) => {
        const out = f(x, gamma, beta, 1e-5);
        const grads = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(f(a as tf.Tensor2D, g as tf.Tensor1D, b as tf.Tensor1D, 1e-5).y, weights)))([x, gamma, beta]);
        return [out.y, out.mean, out.variance, ...grads].map((t) => t.dataSync());
      };
      const fused = tf.tidy(() => run(batchNormTraining));
      const reference = tf.tidy(() => run(unfused));
      const names = ['y', 'mean', 'variance', 'dx', 'dgamma', 'dbeta'];
      fused.forEach((v, i) => {
        expect(relError(v, reference[i]), `${names[i]} rows ${rows} channels ${channels}`).toBeLessThan(1e-4);
      });
      tf.dispose([x, gamma, beta, weights]);
    }
  });
});

describe('BatchNorm5D in training', () => {
  it('updates the moving statistics with the unbiased batch variance (momentum 0.1) and leaks nothing', async () => {
    await tf.setBackend('wasm');
    const layer = new BatchNorm5D({ name: 'bn_test' });
    const x = tf.randomNormal([2, 3, 4, 5, 6], 1, 2, 'float32', 3);
    layer.apply(x, { training: true }); // builds the weights
    const before = tf.memory().numTensors;
    const [meanBefore, varBefore] = layer.getWeights().slice(2).map((w) => w.dataSync());
    tf.dispose(layer.apply(x, { training: true }) as tf.Tensor);
    expect(tf.memory().numTensors).toBe(before);
    const [mean, variance] = layer.getWeights().slice(2).map((w) => w.dataSync());
    const { mean: m, variance: v } = tf.moments(x.reshape([-1, 6]), [0]);
    const count = x.size / 6;
    const bm = m.dataSync();
    const bv = v.dataSync();
    for (let c = 0; c < 6; c++) {
      expect(mean[c]).toBeCloseTo(0.9 * meanBefore[c] + 0.1 * bm[c], 5);
      expect(variance[c]).toBeCloseTo(0.9 * varBefore[c] + 0.1 * bv[c] * (count / (count - 1)), 5);
    }
    tf.dispose([x, m, v]);
  });
});
