import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@trajectorynet/runtime';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRecognizer, motionNetSize, RECOGNIZER_DEFAULTS, type RecognizerConfig } from '../src/index.js';

beforeAll(() => initBackend({ prefer: 'wasm', log: null }));

const tiny = (over: Partial<RecognizerConfig>): RecognizerConfig => ({ ...RECOGNIZER_DEFAULTS, width: 0.0625, frames: 4, size: 32, numClasses: 5, dropout: 0, ...over });

describe('createRecognizer', () => {
  it('c2d and s3d take clips of T frames; a trajectory model needs flows and names what is missing', () => {
    for (const variant of ['c2d', 's3d'] as const) {
      const r = createRecognizer(tiny({ variant }));
      const clips = tf.randomNormal([2, 4, 32, 32, 3]) as tf.Tensor5D;
      const { logits, auxLoss } = r.forward({ clips }, false);
      expect(logits.shape).toEqual([2, 5]);
      expect(auxLoss).toBeUndefined();
      expect(() => r.forward({ clips: tf.zeros([2, 5, 32, 32, 3]) as tf.Tensor5D }, false)).toThrow(/clips must be \[N, 4, H, W, 3\]/);
      tf.dispose([clips, logits]);
      r.dispose();
    }
    const r = createRecognizer(tiny({ variant: 'trajectorynet' }));
    const clips = tf.zeros([1, 4, 32, 32, 3]) as tf.Tensor5D;
    expect(() => r.forward({ clips }, false)).toThrow(/needs flows/);
    const flows = { forward: tf.zeros([1, 3, 32, 32, 2]), backward: tf.zeros([1, 3, 32, 32, 2]) };
    expect(r.forward({ clips, flows }, false).logits.shape).toEqual([1, 5]);
    r.dispose();
  });

  it('the same seed gives the same initial weights; the backbone does not depend on whether MotionNet exists', async () => {
    const a = createRecognizer(tiny({ variant: 'trajectorynet' }), 3);
    const b = createRecognizer(tiny({ variant: 'trajectorynet', trajectories: 'motionnet', motionnet: { width: 0.0625, frames: 5 } }), 3);
    const c = createRecognizer(tiny({ variant: 'trajectorynet' }), 4);
    const first = async (r: typeof a) => Array.from(await r.backbone.weights[0].read().data());
    expect(await first(a)).toEqual(await first(b));
    expect(await first(a)).not.toEqual(await first(c));
    for (const r of [a, b, c]) r.dispose();
  });

  it('joint MotionNet: runs at the size rounded up to a multiple of 32, sees motionnet.frames frames, and the classification loss alone reaches it', async () => {
    expect([112, 48, 64, 33].map(motionNetSize)).toEqual([128, 64, 64, 64]);
    const r = createRecognizer(tiny({ variant: 'trajectorynet', trajectories: 'motionnet', size: 48, motionnet: { width: 0.0625, frames: 5 } }));
    expect(r.motionNet?.inputs[0].shape).toEqual([null, 64, 64, 15]);
    const clips = tf.randomNormal([2, 5, 48, 48, 3]) as tf.Tensor5D;
    const labels = tf.oneHot(tf.tensor1d([1, 2], 'int32'), 5);
    const { logits, auxLoss } = r.forward({ clips }, true);
    expect(logits.shape).toEqual([2, 5]);
    expect(Number.isFinite((await (auxLoss as tf.Scalar).data())[0])).toBe(true);
    tf.dispose([logits, auxLoss as tf.Scalar]);
    const motionVariables = r.motionNet!.trainableWeights.map((w) => w.read() as tf.Variable);
    const { grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(labels, r.forward({ clips }, true).logits) as tf.Scalar, motionVariables);
    const norms = await Promise.all(Object.values(grads).map(async (g) => (await tf.norm(g).data())[0]));
    expect(norms.filter((n) => n > 0).length).toBeGreaterThan(norms.length / 2);
    tf.dispose([clips, labels, ...Object.values(grads)]);
    r.dispose();
  });

  it('refuses a MotionNet with fewer frames than the clip', () => {
    expect(() => createRecognizer(tiny({ variant: 'trajectorynet', trajectories: 'motionnet', motionnet: { width: 0.0625, frames: 3 } }))).toThrow(/motionnet.frames: must be at least/);
  });
});
