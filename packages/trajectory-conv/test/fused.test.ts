/**
 * The fused form (ConvOptions.activation, the layers' `activation`): bias and
 * activation inside tfjs's fused conv2d / matMul give what the separate ops
 * give (conv, add bias, relu), on random shapes with and without stride and
 * dilation, sizes on both sides of the native kernels' 16,384-element
 * threshold; the fused kernel is what runs.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@trajectorynet/runtime';
import { beforeAll, describe, expect, it } from 'vitest';
import { TemporalConv3D, temporalConv, TrajectoryConv3D, trajectoryConv } from '../src/index.js';

beforeAll(() => initBackend({ prefer: 'wasm', log: null }));

/** max |a - b| / max |b|. */
function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  let scale = 1e-6;
  for (let i = 0; i < a.length; i++) {
    worst = Math.max(worst, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return worst / scale;
}

async function kernelNames(f: () => tf.Tensor): Promise<string[]> {
  const info = await tf.profile(f);
  tf.dispose(info.result as tf.Tensor);
  return info.kernels.map((k) => k.name);
}

// [N, T, H, W, Cin, Cout, K, stride, dilation]; the larger ones give outputs above 16,384 elements
const CASES: [number, number, number, number, number, number, number, number, number][] = [
  [1, 4, 3, 5, 3, 4, 3, 1, 1],
  [2, 5, 4, 3, 6, 5, 3, 2, 1],
  [1, 6, 3, 4, 4, 3, 5, 1, 2],
  [2, 8, 12, 12, 16, 24, 3, 1, 1],
  [1, 8, 14, 10, 24, 32, 3, 2, 1],
  [2, 3, 2, 2, 3, 2, 1, 1, 1],
];

describe('fused bias + activation', () => {
  it.each(CASES)('temporalConv and trajectoryConv, N=%i T=%i H=%i W=%i Cin=%i Cout=%i K=%i stride %i dilation %i', async (n, t, h, w, cin, cout, k, stride, dilation) => {
    const seed = n * 1000 + t * 100 + h * 10 + cin;
    const x = tf.randomNormal([n, t, h, w, cin], 0, 1, 'float32', seed);
    const kernel = tf.randomNormal([k, cin, cout], 0, 0.5, 'float32', seed + 1);
    const bias = tf.randomNormal([cout], 0, 1, 'float32', seed + 2) as tf.Tensor1D;
    const to = Math.ceil(t / stride);
    const offsets = tf.randomUniform([n, to, h, w, k, 2], -2, 2, 'float32', seed + 3);
    const options = { stride, dilation, bias };
    for (const [name, conv] of [
      ['temporal', (activation?: 'linear' | 'relu') => temporalConv(x, kernel, { ...options, activation })],
      ['trajectory', (activation?: 'linear' | 'relu') => trajectoryConv(x, offsets, kernel, { ...options, activation })],
    ] as const) {
      const plain = conv();
      const [linear, relu, plainRelu] = [conv('linear'), conv('relu'), tf.relu(plain)];
      expect(linear.shape).toEqual(plain.shape);
      expect(relError(await linear.data(), await plain.data()), `${name} linear`).toBeLessThan(1e-5);
      expect(relError(await relu.data(), await plainRelu.data()), `${name} relu`).toBeLessThan(1e-5);
      // the ReLU did something: some outputs were negative
      expect((await tf.min(plain).data())[0]).toBeLessThan(0);
      tf.dispose([plain, linear, relu, plainRelu]);
    }
    // the fused kernel runs (with dilation the temporal conv weights taps by matMuls and adds: relu after them)
    if (dilation === 1) expect(await kernelNames(() => temporalConv(x, kernel, { ...options, activation: 'relu' }))).toContain('FusedConv2D');
    expect(await kernelNames(() => trajectoryConv(x, offsets, kernel, { ...options, activation: 'relu' }))).toContain('_FusedMatMul');
    tf.dispose([x, kernel, bias, offsets]);
  });

  it.each(CASES)('residual: relu(conv + bias + residual) of the separate ops, N=%i T=%i H=%i W=%i Cin=%i Cout=%i K=%i stride %i dilation %i', async (n, t, h, w, cin, cout, k, stride, dilation) => {
    const seed = n * 1000 + t * 100 + h * 10 + cin + 7;
    const to = Math.ceil(t / stride);
    const x = tf.randomNormal([n, t, h, w, cin], 0, 1, 'float32', seed);
    const kernel = tf.randomNormal([k, cin, cout], 0, 0.5, 'float32', seed + 1);
    const bias = tf.randomNormal([cout], 0, 1, 'float32', seed + 2) as tf.Tensor1D;
    const offsets = tf.randomUniform([n, to, h, w, k, 2], -2, 2, 'float32', seed + 3);
    const residual = tf.randomNormal([n, to, h, w, cout], 0, 1, 'float32', seed + 4);
    const options = { stride, dilation, bias };
    for (const [name, conv] of [
      ['temporal', (extra: object) => temporalConv(x, kernel, { ...options, ...extra })],
      ['trajectory', (extra: object) => trajectoryConv(x, offsets, kernel, { ...options, ...extra })],
    ] as const) {
      const separate = tf.add(conv({}), residual);
      for (const activation of ['linear', 'relu'] as const) {
        const fused = conv({ activation, residual });
        const expected = activation === 'relu' ? tf.relu(separate) : separate;
        expect(relError(await fused.data(), await expected.data()), `${name} ${activation}`).toBeLessThan(1e-5);
        tf.dispose(activation === 'relu' ? [fused, expected] : [fused]);
      }
      // the residual moved outputs across zero, so the relu's place (after the add) matters
      expect((await tf.min(separate).data())[0]).toBeLessThan(0);
      separate.dispose();
      expect(() => conv({ activation: 'relu', residual: tf.zeros([1, 1, 1, 1, cout + 1]) })).toThrow(/residual must be/);
    }
    tf.dispose([x, kernel, bias, offsets, residual]);
  });

  it('layers with residual: the shortcut is the last input, and the config keeps it', async () => {
    const x = tf.randomNormal([1, 4, 3, 3, 6], 0, 1, 'float32', 43);
    const offsets = tf.randomUniform([1, 4, 3, 3, 3, 2], -1, 1, 'float32', 44);
    const residual = tf.randomNormal([1, 4, 3, 3, 5], 0, 1, 'float32', 45);
    for (const [layer, inputs] of [
      [new TemporalConv3D({ filters: 5, activation: 'relu', residual: true }), [x, residual]],
      [new TrajectoryConv3D({ filters: 5, activation: 'relu', residual: true }), [x, offsets, residual]],
    ] as const) {
      const y = layer.apply([...inputs]) as tf.Tensor;
      const [kernel, bias] = layer.getWeights();
      const plain = layer instanceof TrajectoryConv3D ? trajectoryConv(x, offsets, kernel, { bias: bias as tf.Tensor1D }) : temporalConv(x, kernel, { bias: bias as tf.Tensor1D });
      const direct = tf.relu(tf.add(plain, residual));
      expect(relError(await y.data(), await direct.data())).toBeLessThan(1e-5);
      expect(layer.getConfig().residual).toBe(true);
      expect(() => layer.apply(inputs.slice(0, -1) as tf.Tensor[])).toThrow(/residual/);
      tf.dispose([y, plain, direct]);
    }
    tf.dispose([x, offsets, residual]);
  });

  it('layers: activation round-trips through the config, and is absent from an unfused layer config', () => {
    for (const Layer of [TemporalConv3D, TrajectoryConv3D]) {
      const fused = new Layer({ filters: 4, activation: 'relu', name: 'f' });
      expect(fused.getConfig().activation).toBe('relu');
      const copy = Layer.fromConfig(Layer, fused.getConfig()) as InstanceType<typeof Layer>;
      expect(copy.getConfig()).toEqual(fused.getConfig());
      expect('activation' in new Layer({ filters: 4 }).getConfig()).toBe(false);
      expect(() => new Layer({ filters: 4, activation: 'tanh' as 'relu' })).toThrow(/activation must be 'linear' or 'relu'/);
    }
  });

  it('TemporalConv3D with activation relu computes relu(temporalConv + bias)', async () => {
    const layer = new TemporalConv3D({ filters: 5, kernelSize: 3, activation: 'relu', biasInit: -0.1 });
    const x = tf.randomNormal([2, 4, 3, 3, 6], 0, 1, 'float32', 42);
    const y = layer.apply(x) as tf.Tensor;
    const [kernel, bias] = layer.getWeights();
    const direct = tf.relu(temporalConv(x, kernel, { bias: bias as tf.Tensor1D }));
    expect(relError(await y.data(), await direct.data())).toBeLessThan(1e-5);
    tf.dispose([x, y, direct]);
  });
});
