import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@trajectorynet/runtime';
import { beforeAll, describe, expect, it } from 'vitest';
import { createOptimizer, OptimizerSchema } from '../src/loop/optimizer.js';

beforeAll(() => initBackend({ prefer: 'wasm', log: null }));

describe('optimizer', () => {
  it('sgd step: weight decay on kernels only, and global-norm clipping, against a hand computation', async () => {
    const kernel = tf.variable(tf.tensor1d([1, -2]), true, 'opt_test/kernel');
    const bias = tf.variable(tf.tensor1d([0.5]), true, 'opt_test/bias');
    const config = OptimizerSchema.parse({ name: 'sgd', lr: 0.1, momentum: 0, weightDecay: 0.01, clipNorm: 2.5 });
    const opt = createOptimizer(config, [kernel, bias]);
    // gradient norm sqrt(3^2 + 4^2 + 0^2) = 5 > 2.5: scaled by 0.5
    const grads = { [kernel.name]: tf.tensor1d([3, 4]), [bias.name]: tf.tensor1d([0]) };
    opt.step(grads, 0.1);
    const k = await kernel.data();
    // w - lr * (0.5 g + wd w)
    expect(k[0]).toBeCloseTo(1 - 0.1 * (1.5 + 0.01 * 1), 6);
    expect(k[1]).toBeCloseTo(-2 - 0.1 * (2 + 0.01 * -2), 6);
    expect((await bias.data())[0]).toBeCloseTo(0.5, 7); // no decay on biases, zero gradient
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) opt.step(grads, 0.05);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([kernel, bias, ...Object.values(grads)]);
    opt.dispose();
  });

  it('adam takes the learning rate given at each step', async () => {
    const w = tf.variable(tf.tensor1d([1]), true, 'opt_test2/kernel');
    const opt = createOptimizer(OptimizerSchema.parse({ name: 'adam', lr: 1, weightDecay: 0 }), [w]);
    const g = { [w.name]: tf.tensor1d([0.3]) };
    opt.step(g, 0.01); // the first Adam step moves by about lr, whatever the gradient's scale
    expect((await w.data())[0]).toBeCloseTo(0.99, 4);
    opt.step(g, 0.1);
    expect((await w.data())[0]).toBeCloseTo(0.89, 3);
    const state = await opt.getState();
    expect(state.length).toBeGreaterThan(0);
    tf.dispose([w, ...Object.values(g)]);
    opt.dispose();
  });

  it('without clipNorm the gradients are applied as given (no norm is computed)', async () => {
    const kernel = tf.variable(tf.tensor1d([1, -2]), true, 'opt_test3/kernel');
    const opt = createOptimizer(OptimizerSchema.parse({ name: 'sgd', lr: 0.1, momentum: 0, weightDecay: 0, clipNorm: 0 }), [kernel]);
    const grads = { [kernel.name]: tf.tensor1d([30, 40]) };
    opt.step(grads, 0.1);
    expect(Array.from(await kernel.data())).toEqual([Math.fround(1 - 3), Math.fround(-2 - 4)]);
    tf.dispose([kernel, ...Object.values(grads)]);
    opt.dispose();
  });
});
