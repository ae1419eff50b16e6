/** The classifier adapters: the joint TrajectoryNet + MotionNet works at clip sizes MotionNet cannot take directly. */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@trajectorynet/runtime';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config/load.js';
import { createClassifier, motionNetSize } from '../src/model/adapter.js';

beforeAll(() => initBackend({ prefer: 'wasm', log: null }));

describe('joint MotionNet adapter', () => {
  it('runs MotionNet at the size rounded up to a multiple of 32 (112 -> 128, 48 -> 64) and classifies the clip as given', async () => {
    expect([112, 48, 64, 33].map(motionNetSize)).toEqual([128, 64, 64, 64]);
    const config = await resolveConfig({ preset: 'trajectorynet-r18-motionnet-tiny', overrides: ['data.size=48', 'data.frames=4', 'model.width=0.0625', 'motionnet.width=0.0625'] });
    const model = createClassifier(config, 8);
    expect(model.flowNetwork?.inputs[0].shape).toEqual([null, 64, 64, 12]);
    const clips = tf.randomNormal([2, 4, 48, 48, 3]) as tf.Tensor5D;
    const labels = tf.tensor1d([1, 2], 'int32');
    const { logits, auxLoss } = model.forward({ clips, labels }, true);
    expect(logits.shape).toEqual([2, 8]);
    expect(Number.isFinite((await (auxLoss as tf.Scalar).data())[0])).toBe(true);
    tf.dispose([clips, labels, logits, auxLoss as tf.Scalar]);
    model.dispose();
  });
});
