/** ScheduledAdam: a run restored from the optimiser's saved state continues bit for bit like the uninterrupted run. */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend.js';
import { ScheduledAdam } from '../src/optimizers.js';

beforeAll(() => initBackend({ prefer: 'wasm', log: null }));

/** Minimises a fixed quadratic for `steps` steps from (x, optimiser state); returns x. */
function run(optimizer: tf.AdamOptimizer, x: tf.Variable, steps: number): void {
  const target = tf.tensor1d([3, -1, 0.5, 2]);
  for (let i = 0; i < steps; i++) optimizer.minimize(() => tf.sum(tf.square(tf.sub(tf.mul(x, x), target))) as tf.Scalar, false, [x]);
  target.dispose();
}

async function resumedEqualsUninterrupted(make: () => tf.AdamOptimizer): Promise<boolean> {
  const whole = tf.variable(tf.tensor1d([0.3, 0.2, -0.4, 1]));
  const a = make();
  run(a, whole, 12);

  const part = tf.variable(tf.tensor1d([0.3, 0.2, -0.4, 1]));
  const b = make();
  run(b, part, 5);
  const saved = await b.getWeights();
  const c = make();
  await c.setWeights(saved);
  run(c, part, 7);
  const same = Array.from(await whole.data()).every((v, i) => v === part.dataSync()[i]);
  tf.dispose([whole, part]);
  for (const o of [a, b, c]) o.dispose();
  return same;
}

describe('ScheduledAdam', () => {
  it('resumes exactly (tfjs Adam drifts in the last bits, which is why it exists)', async () => {
    expect(await resumedEqualsUninterrupted(() => new ScheduledAdam(0.05, 0.9, 0.999, 1e-8))).toBe(true);
    expect(await resumedEqualsUninterrupted(() => new tf.AdamOptimizer(0.05, 0.9, 0.999, 1e-8))).toBe(false);
  });

  it('takes a new learning rate at every step', () => {
    const x = tf.variable(tf.scalar(1));
    const adam = new ScheduledAdam(0.1, 0.9, 0.999, 1e-8);
    adam.setLearningRate(0);
    adam.minimize(() => tf.square(x) as tf.Scalar, false, [x]);
    expect(x.dataSync()[0]).toBe(1);
    adam.setLearningRate(0.1);
    adam.minimize(() => tf.square(x) as tf.Scalar, false, [x]);
    // Adam's first step moves by about the rate
    expect(x.dataSync()[0]).toBeCloseTo(0.9, 3);
    adam.dispose();
    x.dispose();
  });
});
