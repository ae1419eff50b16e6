import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@trajectorynet/runtime';
import { beforeAll, describe, expect, it } from 'vitest';
import { TemporalConv3D, temporalConv, TrajectoryConv3D, trajectoryConv } from '../src/index.js';

beforeAll(() => initBackend({ prefer: 'wasm', log: null }));

describe('layers', () => {
  it('TrajectoryConv3D in a two-input model: shapes, same values as the op, gradients reach the offsets input', async () => {
    const features = tf.input({ shape: [4, 5, 5, 3] });
    const offsetsIn = tf.input({ shape: [2, 5, 5, 3, 2] });
    const layer = new TrajectoryConv3D({ filters: 6, stride: 2, name: 'traj' });
    const out = layer.apply([features, offsetsIn]) as tf.SymbolicTensor;
    expect(out.shape).toEqual([null, 2, 5, 5, 6]);
    const model = tf.model({ inputs: [features, offsetsIn], outputs: out });
    const x = tf.randomNormal([2, 4, 5, 5, 3]);
    const o = tf.randomUniform([2, 2, 5, 5, 3, 2], -2, 2);
    const y = model.predict([x, o]) as tf.Tensor;
    const [kernel, bias] = layer.getWeights();
    expect(kernel.shape).toEqual([3, 3, 6]);
    expect(Array.from(await bias.data())).toEqual(new Array(6).fill(0.2).map((v) => Math.fround(v)));
    const direct = trajectoryConv(x, o, kernel, { bias: bias as tf.Tensor1D, stride: 2 });
    expect(tf.max(tf.abs(tf.sub(y, direct))).dataSync()[0]).toBeLessThan(1e-5);
    const g = tf.grad((off: tf.Tensor) => tf.sum(tf.square(model.apply([x, off]) as tf.Tensor)))(o);
    expect(tf.max(tf.abs(g)).dataSync()[0]).toBeGreaterThan(0);
  });

  it('TemporalConv3D: Kaiming scale and the op values; config round-trips through serialization', async () => {
    const layer = new TemporalConv3D({ filters: 64, kernelSize: 3, dilation: 2, name: 'temporal' });
    const x = tf.randomNormal([1, 6, 4, 4, 32]);
    const y = layer.apply(x) as tf.Tensor;
    expect(y.shape).toEqual([1, 6, 4, 4, 64]);
    const [kernel, bias] = layer.getWeights();
    // He normal: std sqrt(2 / fanIn), fanIn = K * Cin = 96 (truncated normal, so a bit below)
    const std = Math.sqrt(tf.moments(kernel).variance.dataSync()[0]);
    expect(std).toBeGreaterThan(0.6 * Math.sqrt(2 / 96));
    expect(std).toBeLessThan(1.2 * Math.sqrt(2 / 96));
    const direct = temporalConv(x, kernel, { dilation: 2, bias: bias as tf.Tensor1D });
    expect(tf.max(tf.abs(tf.sub(y, direct))).dataSync()[0]).toBeLessThan(1e-5);
    const config = layer.getConfig();
    const copy = TemporalConv3D.fromConfig(TemporalConv3D, config) as TemporalConv3D;
    expect(copy.getConfig()).toEqual(config);
  });
});
