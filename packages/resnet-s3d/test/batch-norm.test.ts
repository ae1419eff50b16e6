/**
 * The one-op training BatchNorm (forward and hand-written backward) against
 * tfjs's own autodiff of tf.moments + tf.batchNorm (the unfused version it
 * replaces), on both backends and random shapes. Tolerance 1e-5 relative (the
 * gradients: relative to the size of the terms they sum): both compute the
 * same formulas in different orders (and precisions: the native kernels sum in
 * double). On wasm with the
 * libtorch kernels the op runs as the native BatchNormTraining and
 * BatchNormTrainingGrad kernels (checked below), so there this compares them
 * with tfjs's composition on cpu and wasm.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@trajectorynet/runtime';
import { seededRandom } from '@trajectorynet/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { batchNormTraining, nativeBatchNormTraining } from '../src/layers/batch-norm-training.js';
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
      // the gradients are sums over rows that cancel (the weights are sin(i)): float32 sums in another
      // order (the native kernels sum in double) differ by rounding of the terms, not of the result, so
      // their errors are measured against the terms' size: dbeta sum |w|, dgamma sum |w xHat|, dx gamma/std |w|
      const w = weights.dataSync();
      const [mean, variance, g] = [reference[1], reference[2], gamma.dataSync()];
      const termScale = [0, 0, 0];
      for (let c = 0; c < channels; c++) {
        const invStd = 1 / Math.sqrt(variance[c] + 1e-5);
        let [sumW, sumWX] = [0, 0];
        for (let r = 0; r < rows; r++) {
          const i = r * channels + c;
          sumW += Math.abs(w[i]);
          sumWX += Math.abs(w[i] * (values[i] - mean[c]) * invStd);
          termScale[0] = Math.max(termScale[0], Math.abs(g[c] * invStd * w[i]));
        }
        termScale[1] = Math.max(termScale[1], sumWX);
        termScale[2] = Math.max(termScale[2], sumW);
      }
      fused.forEach((v, i) => {
        const error = i < 3 ? relError(v, reference[i]) : relError(v, reference[i]) * Math.max(1e-12, ...reference[i].map(Math.abs)) / termScale[i - 3];
        expect(error, `${names[i]} rows ${rows} channels ${channels}`).toBeLessThan(1e-5);
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

describe('the native training BatchNorm (wasm + libtorch kernels)', () => {
  it('a BatchNorm5D training step runs one BatchNormTraining kernel forward and one BatchNormTrainingGrad backward; running statistics as the composition gives them', async () => {
    await tf.setBackend('wasm');
    if (!nativeBatchNormTraining()) {
      if (process.env.CI === 'true' && process.env.TRAJECTORYNET_NATIVE?.trim() !== '0') throw new Error('CI: the native kernels must be registered');
      return;
    }
    const layer = new BatchNorm5D({ name: 'bn_native', momentum: 0.3 });
    const x = tf.randomNormal([2, 3, 8, 8, 16], 0.5, 2, 'float32', 11);
    layer.apply(x, { training: false }); // builds the weights
    const gammaBeta = [tf.randomUniform([16], 0.5, 1.5, 'float32', 12), tf.randomNormal([16], 0, 0.5, 'float32', 13), tf.randomNormal([16], 0, 0.5, 'float32', 14), tf.randomUniform([16], 0.5, 2, 'float32', 15)];
    layer.setWeights(gammaBeta);
    const [oldMean, oldVar] = [gammaBeta[2].dataSync(), gammaBeta[3].dataSync()];
    const variables = layer.trainableWeights.map((w) => w.read() as tf.Variable);
    const info = await tf.profile(() => {
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(layer.apply(x, { training: true }) as tf.Tensor)) as tf.Scalar, variables);
      tf.dispose([value, ...Object.values(grads)]);
      return tf.scalar(0);
    });
    const names = info.kernels.map((k) => k.name);
    expect(names.filter((n) => n === 'BatchNormTraining').length).toBe(1);
    expect(names.filter((n) => n === 'BatchNormTrainingGrad').length).toBe(1);
    expect(names).not.toContain('FusedBatchNorm');
    const [mean, variance] = layer.getWeights().slice(2).map((w) => w.dataSync());
    await tf.setBackend('cpu');
    const values = x.dataSync();
    const { mean: m, variance: v } = tf.moments(tf.tensor2d(values, [values.length / 16, 16]), [0]);
    const count = values.length / 16;
    const [bm, bv] = [m.dataSync(), v.dataSync()];
    for (let c = 0; c < 16; c++) {
      expect(mean[c]).toBeCloseTo(0.7 * oldMean[c] + 0.3 * bm[c], 5);
      expect(variance[c]).toBeCloseTo(0.7 * oldVar[c] + 0.3 * bv[c] * (count / (count - 1)), 5);
    }
    await tf.setBackend('wasm');
    tf.dispose([x, ...gammaBeta]);
  });
});
