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

  it('per-variable learning-rate multiples: sgd moves each group by its own rate, clipping uses the norm of all groups', async () => {
    const fast = tf.variable(tf.tensor1d([1]), true, 'opt_test4/fast');
    const slow = tf.variable(tf.tensor1d([1]), true, 'opt_test4/slow');
    const config = OptimizerSchema.parse({ name: 'sgd', lr: 0.1, momentum: 0, weightDecay: 0, clipNorm: 2.5 });
    const opt = createOptimizer(config, [fast, slow], (v) => (v === slow ? 0.1 : 1));
    // norm sqrt(3^2 + 4^2) = 5: both scaled by 0.5, then slow at a tenth of the rate
    const grads = { [fast.name]: tf.tensor1d([3]), [slow.name]: tf.tensor1d([4]) };
    opt.step(grads, 0.1);
    expect((await fast.data())[0]).toBeCloseTo(1 - 0.1 * 1.5, 6);
    expect((await slow.data())[0]).toBeCloseTo(1 - 0.01 * 2, 6);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) opt.step(grads, 0.1);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([fast, slow, ...Object.values(grads)]);
    opt.dispose();
  });

  it('per-variable multiples with adam: a checkpointed state resumes to the same weights as an uninterrupted run', async () => {
    const run = async (tag: string, resumeAt: number | null) => {
      const a = tf.variable(tf.tensor1d([1, 2]), true, `opt_test5_${tag}/a/kernel`);
      const b = tf.variable(tf.tensor1d([-1]), true, `opt_test5_${tag}/b/kernel`);
      const config = OptimizerSchema.parse({ name: 'adam', lr: 0.05, weightDecay: 1e-3 });
      const scaleOf = (v: tf.Variable) => (v === b ? 0.25 : 1);
      let opt = createOptimizer(config, [a, b], scaleOf);
      for (let step = 0; step < 6; step++) {
        if (step === resumeAt) {
          const state = await opt.getState();
          // a fresh optimizer, as after a restart, given the saved slots
          const copies = state.map((s) => ({ name: s.name, tensor: tf.clone(s.tensor) }));
          opt.dispose();
          opt = createOptimizer(config, [a, b], scaleOf);
          await opt.setState(copies);
          tf.dispose(copies.map((c) => c.tensor));
        }
        const grads = tf.tidy(() => ({ [a.name]: tf.sin(tf.mul(a, step + 1)), [b.name]: tf.cos(tf.mul(b, step + 1)) }));
        opt.step(grads, 0.05 / (step + 1));
        tf.dispose(Object.values(grads));
      }
      const out = [...(await a.data()), ...(await b.data())];
      const names = (await opt.getState()).map((s) => s.name);
      opt.dispose();
      tf.dispose([a, b]);
      return { out, names };
    };
    const straight = await run('x', null);
    const resumed = await run('y', 3);
    expect(resumed.out).toEqual(straight.out);
    // the slower group's slots carry its multiple in their names
    expect(straight.names.some((n) => n.startsWith('lr_mult_0.25:'))).toBe(true);
    // and it moved less: the first Adam step is about lr, so a's first component left 1 by more than b left -1
    const single = OptimizerSchema.parse({ name: 'adam', lr: 0.05, weightDecay: 0 });
    const c = tf.variable(tf.tensor1d([0]), true, 'opt_test5_c/kernel');
    const d = tf.variable(tf.tensor1d([0]), true, 'opt_test5_d/kernel');
    const opt = createOptimizer(single, [c, d], (v) => (v === d ? 0.25 : 1));
    const g = { [c.name]: tf.tensor1d([1]), [d.name]: tf.tensor1d([1]) };
    opt.step(g, 0.04);
    expect((await c.data())[0]).toBeCloseTo(-0.04, 5);
    expect((await d.data())[0]).toBeCloseTo(-0.01, 5);
    tf.dispose([c, d, ...Object.values(g)]);
    opt.dispose();
  });
});
