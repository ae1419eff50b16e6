import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@trajectorynet/runtime';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTrajectoryNet, PRESET_STAGES, summarize, type TrajectoryNetConfig } from '../src/index.js';

beforeAll(async () => {
  await initBackend({ prefer: 'cpu', log: null });
  await initBackend({ prefer: 'wasm', log: null });
});

/** Hand count of S3D-ResNet-18 parameters (BN: gamma + beta; temporal convs with bias), written from the architecture, not the code. */
function handCountS3dR18(classes: number): number {
  const block = (cin: number, cout: number, stride: number) => {
    let p = 9 * cin * cout + 2 * cout; // 1x3x3 + BN
    p += 3 * cout * cout + cout + 2 * cout; // 3x1x1 + bias + BN
    p += 9 * cout * cout + 2 * cout;
    p += 3 * cout * cout + cout + 2 * cout;
    if (cin !== cout || stride !== 1) p += cin * cout + 2 * cout; // 1x1x1 shortcut + BN
    return p;
  };
  let total = 7 * 7 * 3 * 64 + 2 * 64;
  let cin = 64;
  for (const [w, s] of [
    [64, 1],
    [128, 2],
    [256, 2],
    [512, 2],
  ]) {
    total += block(cin, w, s) + block(w, w, 1);
    cin = w;
  }
  return total + 512 * classes + classes;
}

describe('S3D ResNet-18 counts', () => {
  it('parameters equal the hand count; with 174 classes that is the 15.45M of the PyTorch port', () => {
    const model = createTrajectoryNet({ depth: 18, numClasses: 174, frames: 8, size: 112, stages: PRESET_STAGES.s3d });
    const summary = summarize(model);
    expect(summary.parameters).toBe(handCountS3dR18(174));
    expect(summary.parameters / 1e6).toBeCloseTo(15.455, 2);
    // MACs of the spatial convs alone, by hand: stem 56x56 output x 7x7x3x64 per frame
    expect(summary.byKind.SpatialConv3D.macs).toBeGreaterThan(8 * 56 * 56 * 7 * 7 * 3 * 64);
    // temporal convs: every position of res2 (28x28, 64 ch) costs 3 x 64 x 64 per conv, 4 convs, 8 frames
    expect(summary.byKind.TemporalConv3D.macs).toBeGreaterThan(4 * 8 * 28 * 28 * 3 * 64 * 64);
    model.dispose();
  });
});

const SMALL: Omit<TrajectoryNetConfig, 'stages'> = { depth: 18, numClasses: 5, frames: 4, size: 32, width: 1 / 16, dropout: 0 };

function inputs(config: TrajectoryNetConfig, n: number) {
  const clip = tf.randomNormal([n, config.frames, config.size, config.size, 3], 0, 1, 'float32', 1);
  const offsets = tf.randomUniform([n, config.frames, config.size, config.size, 3, 2], -2, 2, 'float32', 2);
  return { clip, offsets };
}

describe.each([
  ['C2D', { ...SMALL, stages: PRESET_STAGES.c2d }],
  ['S3D', { ...SMALL, stages: PRESET_STAGES.s3d }],
  ['TrajectoryNet', { ...SMALL, stages: PRESET_STAGES.trajectorynet }],
  ['TrajectoryNet with motion', { ...SMALL, stages: PRESET_STAGES.trajectorynet, withMotion: true }],
] as [string, TrajectoryNetConfig][])('%s', (_name, config) => {
  const trajectory = config.stages?.includes('trajectory') ?? false;

  it('builds, runs forward with the right shape, and its wasm gradients equal cpu', async () => {
    const grads: Float32Array[][] = [];
    for (const backend of ['wasm', 'cpu']) {
      await tf.setBackend(backend);
      const model = createTrajectoryNet(config);
      expect(model.inputs.length).toBe(trajectory ? 2 : 1);
      if (grads.length === 1) {
        // same weights on both backends
        model.setWeights(stored.map((w, i) => tf.tensor(w, model.getWeights()[i].shape)));
      }
      const { clip, offsets } = inputs(config, 2);
      const feed = trajectory ? [clip, offsets] : [clip];
      const logits = model.predict(feed) as tf.Tensor;
      expect(logits.shape).toEqual([2, 5]);
      const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
      // BatchNorm in inference mode: with batch statistics over a few values per channel, float32
      // differences between backends get amplified and hide what this compares (the conv kernels)
      const { grads: g } = tf.variableGrads(() => tf.sum(tf.square(model.apply(feed, { training: false }) as tf.Tensor)) as tf.Scalar, variables);
      grads.push(await Promise.all(variables.map(async (v) => Float32Array.from(await g[v.name].data()))));
      if (grads.length === 1) stored = await Promise.all(model.getWeights().map(async (w) => Float32Array.from(await w.data())));
      tf.dispose([clip, offsets, logits, ...Object.values(g)]);
      model.dispose();
    }
    let worst = 0;
    grads[0].forEach((a, i) => {
      const b = grads[1][i];
      const scale = Math.max(1e-3, ...b.map(Math.abs));
      for (let j = 0; j < a.length; j++) worst = Math.max(worst, Math.abs(a[j] - b[j]) / scale);
    });
    // float32 through ~40 layers on two backends with different summation orders
    expect(worst).toBeLessThan(2e-3);
    await tf.setBackend('wasm');
  });

});
let stored: Float32Array[] = [];

describe.each([
  ['TrajectoryNet', { ...SMALL, stages: PRESET_STAGES.trajectorynet }],
  ['TrajectoryNet with motion', { ...SMALL, stages: PRESET_STAGES.trajectorynet, withMotion: true }],
] as [string, TrajectoryNetConfig][])('%s', (_name, config) => {
  it('gradients reach the offsets input', () => {
    const model = createTrajectoryNet(config);
    const { clip, offsets } = inputs(config, 1);
    const g = tf.grad((o: tf.Tensor) => tf.sum(tf.square(model.apply([clip, o], { training: true }) as tf.Tensor)))(offsets);
    expect(tf.max(tf.abs(g)).dataSync()[0]).toBeGreaterThan(0);
    tf.dispose([clip, offsets, g]);
    model.dispose();
  });
});

describe('the full-size input', () => {
  it('TrajectoryNet at 8x112x112 (width 1/16) runs forward and backward on wasm without leaking', () => {
    const config: TrajectoryNetConfig = { depth: 18, numClasses: 10, frames: 8, size: 112, width: 1 / 16, stages: PRESET_STAGES.trajectorynet, withMotion: true };
    const model = createTrajectoryNet(config);
    const { clip, offsets } = inputs(config, 1);
    const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const step = () => {
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(model.apply([clip, offsets], { training: true }) as tf.Tensor)) as tf.Scalar, variables);
      tf.dispose([value, ...Object.values(grads)]);
    };
    step();
    const before = tf.memory().numTensors;
    step();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([clip, offsets]);
    model.dispose();
  });
});
