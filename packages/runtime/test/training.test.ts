/**
 * End to end: a small conv-BN-ReLU-pool-dense classifier trains on wasm with
 * the kernels this package adds, its gradients equal the cpu backend's, and a
 * training step leaks no tensors.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { maxRelativeError, rng, setupBackends } from './helpers.js';

beforeAll(setupBackends);

const SIZE = 12;
const CLASSES = 4;

function buildModel(): tf.LayersModel {
  const input = tf.input({ shape: [SIZE, SIZE, 3] });
  let h = tf.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', useBias: false }).apply(input) as tf.SymbolicTensor;
  h = tf.layers.batchNormalization().apply(h) as tf.SymbolicTensor;
  h = tf.layers.reLU().apply(h) as tf.SymbolicTensor;
  h = tf.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.maxPooling2d({ poolSize: 2 }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.flatten().apply(h) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: CLASSES }).apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

/** Images with one bright 3x3 square; the label is the quadrant it lies in. */
function makeBatch(n: number, seed: number): { x: Float32Array; labels: Int32Array } {
  const next = rng(seed);
  const x = new Float32Array(n * SIZE * SIZE * 3);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < SIZE * SIZE * 3; j++) x[i * SIZE * SIZE * 3 + j] = next() * 0.3;
    const label = Math.floor(next() * CLASSES);
    labels[i] = label;
    const y0 = (label >> 1) * (SIZE / 2) + Math.floor(next() * (SIZE / 2 - 3));
    const x0 = (label & 1) * (SIZE / 2) + Math.floor(next() * (SIZE / 2 - 3));
    for (let dy = 0; dy < 3; dy++) {
      for (let dx = 0; dx < 3; dx++) {
        for (let c = 0; c < 3; c++) x[((i * SIZE + y0 + dy) * SIZE + x0 + dx) * 3 + c] = 1;
      }
    }
  }
  return { x, labels };
}

function loss(model: tf.LayersModel, x: tf.Tensor, labels: tf.Tensor): tf.Scalar {
  const logits = model.apply(x, { training: true }) as tf.Tensor;
  return tf.losses.softmaxCrossEntropy(tf.oneHot(labels as tf.Tensor1D, CLASSES), logits) as tf.Scalar;
}

async function gradientsOn(backend: 'wasm' | 'cpu', weights: Float32Array[], batch: ReturnType<typeof makeBatch>) {
  await tf.setBackend(backend);
  const model = buildModel();
  model.setWeights(weights.map((w, i) => tf.tensor(w, model.getWeights()[i].shape)));
  // LayerVariable.read() is the underlying tf.Variable, in layer order
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const { grads, value } = tf.variableGrads(
    () => tf.tidy(() => loss(model, tf.tensor4d(batch.x, [batch.labels.length, SIZE, SIZE, 3]), tf.tensor1d(batch.labels, 'int32'))),
    variables,
  );
  const out = await Promise.all(variables.map(async (v) => Float32Array.from(await grads[v.name].data())));
  const lossValue = (await value.data())[0];
  tf.dispose([value, ...Object.values(grads)]);
  model.dispose();
  return { grads: out, loss: lossValue };
}

describe('training a small CNN', () => {
  it('gives the same gradients on wasm as on cpu', async () => {
    await tf.setBackend('cpu');
    const reference = buildModel();
    const weights = await Promise.all(reference.getWeights().map(async (w) => Float32Array.from(await w.data())));
    reference.dispose();
    const batch = makeBatch(6, 11);
    const wasm = await gradientsOn('wasm', weights, batch);
    const cpu = await gradientsOn('cpu', weights, batch);
    expect(Math.abs(wasm.loss - cpu.loss)).toBeLessThan(1e-5);
    // conv kernel, BN gamma and beta, conv kernel and bias, dense kernel and bias
    expect(cpu.grads.length).toBe(7);
    expect(wasm.grads.length).toBe(7);
    cpu.grads.forEach((g, i) => {
      expect(maxRelativeError(wasm.grads[i], g), `weight ${i}`).toBeLessThan(1e-4);
    });
  });

  it('learns on wasm (loss falls) and a step leaks no tensors', async () => {
    await tf.setBackend('wasm');
    const model = buildModel();
    const optimizer = tf.train.adam(0.01);
    const train = makeBatch(64, 21);
    const x = tf.tensor4d(train.x, [64, SIZE, SIZE, 3]);
    const labels = tf.tensor1d(train.labels, 'int32');
    const step = () => {
      const cost = optimizer.minimize(() => loss(model, x, labels), true)!;
      const value = cost.dataSync()[0];
      cost.dispose();
      return value;
    };
    const first = step();
    const tensorsAfterFirst = tf.memory().numTensors;
    let last = first;
    for (let i = 0; i < 40; i++) {
      last = step();
      if (i === 19) expect(tf.memory().numTensors).toBe(tensorsAfterFirst);
    }
    // the quadrant task is easy: 41 Adam steps must at least halve the loss
    expect(last).toBeLessThan(first * 0.5);
    tf.dispose([x, labels]);
    optimizer.dispose();
    model.dispose();
  });
});
