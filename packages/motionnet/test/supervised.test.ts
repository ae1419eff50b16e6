/** The supervised multi-scale end-point error against a naive per-pixel computation. */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@trajectorynet/runtime';
import { beforeAll, describe, expect, it } from 'vitest';
import { createMotionNet, SCALES, stackFrames, supervisedLoss } from '../src/index.js';

beforeAll(() => initBackend({ prefer: 'wasm', log: null }));

describe('supervisedLoss', () => {
  it('sums over scales the mean EPE of prediction x 20 against the true flow averaged over each stride x stride block', async () => {
    const [n, t, h, w] = [2, 3, 64, 32];
    const model = createMotionNet({ frames: t, height: h, width: w, widthMultiplier: 1 / 16 });
    const clip = tf.randomUniform([n, t, h, w, 3], 0, 1, 'float32', 1) as tf.Tensor5D;
    const flows = tf.randomUniform([n, t - 1, h, w, 2], -6, 6, 'float32', 2) as tf.Tensor5D;
    const weights = [0.5, 1, 2, 3, 4];
    const { total, epe } = supervisedLoss(model, clip, flows, false, weights);
    const predictions = await Promise.all((model.predict(stackFrames(clip)) as tf.Tensor[]).map((p) => p.data()));
    const truth = await flows.data();
    let expected = 0;
    let finest = 0;
    SCALES.forEach((scale, s) => {
      const stride = 1 / scale;
      const [sh, sw] = [h / stride, w / stride];
      let sum = 0;
      for (let b = 0; b < n; b++)
        for (let p = 0; p < t - 1; p++)
          for (let y = 0; y < sh; y++)
            for (let x = 0; x < sw; x++) {
              const mean = [0, 0];
              for (let dy = 0; dy < stride; dy++)
                for (let dx = 0; dx < stride; dx++)
                  for (let c = 0; c < 2; c++) mean[c] += truth[(((b * (t - 1) + p) * h + y * stride + dy) * w + x * stride + dx) * 2 + c] / (stride * stride);
              // prediction channels: pair p's (u, v) at 2p, 2p + 1
              const at = (c: number) => 20 * predictions[s][((b * sh + y) * sw + x) * 2 * (t - 1) + 2 * p + c];
              sum += Math.sqrt((at(0) - mean[0]) ** 2 + (at(1) - mean[1]) ** 2 + 1e-6);
            }
      const scaleEpe = sum / (n * (t - 1) * sh * sw);
      expected += weights[s] * scaleEpe;
      if (s === SCALES.length - 1) finest = scaleEpe;
    });
    expect((await total.data())[0]).toBeCloseTo(expected, 3);
    expect((await epe.data())[0]).toBeCloseTo(finest, 4);
    expect(() => supervisedLoss(model, clip, tf.zeros([n, t, h, w, 2]) as tf.Tensor5D)).toThrow(/flows must be \[2, 2, 64, 32, 2\]/);
    tf.dispose([clip, flows, total, epe]);
    model.dispose();
  });
});
