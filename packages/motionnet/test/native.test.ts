/**
 * MotionNet's network computes the same with and without the libtorch kernels
 * (@trajectorynet/torch-kernels under wasm): outputs and the gradients of
 * every weight within 1e-4 relative (float32, different summation orders). In
 * CI the native kernels must be there.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@trajectorynet/runtime';
import { beforeAll, describe, expect, it } from 'vitest';
import { createMotionNet } from '../src/index.js';

// the second CI pass (TRAJECTORYNET_NATIVE=0) tests the stock kernels: nothing to compare there
const turnedOff = process.env.TRAJECTORYNET_NATIVE?.trim() === '0';
let nativeOn = false;
beforeAll(async () => {
  if (turnedOff) return;
  const info = await initBackend({ prefer: 'wasm', log: null });
  nativeOn = info.native != null;
  if (!nativeOn && process.env.CI === 'true') throw new Error(`CI: the native kernels must load: ${info.nativeReason}`);
});

async function run(native: boolean, weights: Float32Array[] | null) {
  await initBackend({ prefer: 'wasm', log: null, native });
  // big enough that the first layers take the native path (16384 elements and up)
  const model = createMotionNet({ frames: 3, height: 64, width: 96, widthMultiplier: 1 / 4 });
  if (weights != null) model.setWeights(weights.map((w, i) => tf.tensor(w, model.getWeights()[i].shape)));
  const stored = model.getWeights().map((w) => w.dataSync() as Float32Array);
  const frames = tf.randomUniform([2, 64, 96, 9], 0, 1, 'float32', 4);
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const loss = () => tf.addN((model.apply(frames) as tf.Tensor[]).map((o) => tf.mean(tf.square(o)))) as tf.Scalar;
  const { value, grads } = tf.variableGrads(loss, variables);
  const values = [value.dataSync() as Float32Array, ...variables.map((v) => Float32Array.from(grads[v.name].dataSync()))];
  tf.dispose([frames, value, ...Object.values(grads)]);
  model.dispose();
  return { values, stored };
}

describe('MotionNet with and without the libtorch kernels', () => {
  it('has the same loss and weight gradients', async (context) => {
    if (!nativeOn) context.skip();
    const native = await run(true, null);
    const stock = await run(false, native.stored);
    await initBackend({ prefer: 'wasm', log: null });
    native.values.forEach((a, i) => {
      const b = stock.values[i];
      let diff = 0;
      let scale = 1e-12;
      for (let j = 0; j < a.length; j++) {
        diff = Math.max(diff, Math.abs(a[j] - b[j]));
        scale = Math.max(scale, Math.abs(b[j]));
      }
      expect(diff / scale, i === 0 ? 'loss' : `weight ${i - 1}`).toBeLessThan(1e-4);
    });
  });
});
