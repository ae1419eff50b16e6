/** recognizerInput: the host batch layout [N, V, 2, T-1, H, W, 2] split into the recognizer's tensors. */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@trajectorynet/runtime';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ClipBatch, recognizerInput } from '../src/data/batches.js';

beforeAll(() => initBackend({ prefer: 'wasm', log: null }));

describe('recognizerInput', () => {
  it('flattens views and gives each item its forward and backward flows, element for element', async () => {
    const [n, views, t, h, w] = [2, 3, 4, 3, 5];
    const flows = Float32Array.from({ length: n * views * 2 * (t - 1) * h * w * 2 }, (_, i) => i);
    const batch: ClipBatch = {
      clips: new Float32Array(n * views * t * h * w * 3),
      shape: [n, views, t, h, w],
      labels: Int32Array.from([4, 7]),
      flows,
      sampleIndex: Int32Array.from([0, 1]),
    };
    const before = tf.memory().numTensors;
    const input = recognizerInput(batch);
    expect(input.flows?.forward.shape).toEqual([n * views, t - 1, h, w, 2]);
    const forward = await input.flows?.forward.data();
    const backward = await input.flows?.backward.data();
    // independent index arithmetic over the 7-d layout
    for (let item = 0; item < n * views; item++) {
      for (let k = 0; k < (t - 1) * h * w * 2; k++) {
        const at = (direction: number) => ((item * 2 + direction) * (t - 1) * h * w * 2) + k;
        expect(forward?.[item * (t - 1) * h * w * 2 + k]).toBe(flows[at(0)]);
        expect(backward?.[item * (t - 1) * h * w * 2 + k]).toBe(flows[at(1)]);
      }
    }
    expect(Array.from(await input.labels.data())).toEqual([4, 4, 4, 7, 7, 7]);
    tf.dispose([input.clips, input.labels, input.flows?.forward, input.flows?.backward].filter((x) => x != null) as tf.Tensor[]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
