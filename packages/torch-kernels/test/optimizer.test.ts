/**
 * The fused optimizer steps against tfjs's own optimizers on the stock wasm
 * kernels: random shapes (tiny to several chunks), random states (moments,
 * iteration), weight decay on some variables, with and without a clipping
 * scale. The arithmetic is the same operations in the same float32 order, so
 * the results must be identical, bit for bit.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { adamStep, momentumStep, nativeCallCounts, registerTorchKernels, unregisterTorchKernels } from '../src/index.js';
import { nativeAvailable, randomInt, rng, setupBackends } from './helpers.js';

interface State {
  shapes: number[][];
  values: Float32Array[];
  grads: Float32Array[];
  slots: Float32Array[][];
  decays: number[];
  scale: number | null;
  iteration: number;
}

let unique = 0;
const name = (label: string) => `fused-step-test/${label}/${unique++}`;

function randomState(next: () => number, slotCount: number): State {
  const count = randomInt(1, 6, next);
  const shapes = Array.from({ length: count }, () => {
    const big = next() < 0.4;
    return big ? [randomInt(100, 300, next), randomInt(100, 400, next)] : [randomInt(1, 5, next), randomInt(1, 40, next)];
  });
  const random = (shape: number[], lo: number, hi: number) => Float32Array.from({ length: shape[0] * shape[1] }, () => lo + (hi - lo) * next());
  return {
    shapes,
    values: shapes.map((s) => random(s, -1, 1)),
    grads: shapes.map((s) => random(s, -2, 2)),
    // first slot: a moment or accumulation of either sign; Adam's second: non-negative
    slots: Array.from({ length: slotCount }, (_, k) => shapes.map((s) => (k === 0 ? random(s, -0.5, 0.5) : random(s, 0, 0.3)))),
    decays: shapes.map(() => (next() < 0.5 ? 0 : 5e-4 * (1 + next()))),
    scale: next() < 0.5 ? null : 0.1 + 0.9 * next(),
    iteration: randomInt(0, 500, next),
  };
}

/** The gradient the training loop hands to tfjs's optimizers: g * scale, then + value * decay. */
function adjustedGradients(state: State, variables: tf.Variable[]): Record<string, tf.Variable> {
  return tf.tidy(() => {
    const out: Record<string, tf.Tensor> = {};
    variables.forEach((v, i) => {
      let g: tf.Tensor = tf.tensor(state.grads[i], state.shapes[i]);
      if (state.scale != null) g = tf.mul(g, tf.scalar(state.scale));
      if (state.decays[i] > 0) g = tf.add(g, tf.mul(v, state.decays[i]));
      out[v.name] = g;
    });
    return out;
  }) as Record<string, tf.Variable>; // applyGradients' typings want variables; it reads them as gradients
}

const variablesOf = (state: State, values: Float32Array[], label: string) => values.map((v, i) => tf.variable(tf.tensor(v, state.shapes[i]), false, name(label)));
const read = async (list: tf.Tensor[]) => Promise.all(list.map(async (t) => Float32Array.from(await t.data())));

function expectIdentical(actual: Float32Array[], expected: Float32Array[], label: string): void {
  actual.forEach((a, i) => {
    let differing = 0;
    for (let j = 0; j < a.length; j++) if (!Object.is(a[j], expected[i][j])) differing++;
    expect(differing, `${label} tensor ${i}: elements that differ`).toBe(0);
  });
}

describe.runIf(nativeAvailable())('fused optimizer steps against tfjs optimizers', () => {
  beforeAll(setupBackends);

  it('Adam: values and both moments identical to tf.AdamOptimizer', async () => {
    const next = rng(71);
    for (let trial = 0; trial < 8; trial++) {
      const state = randomState(next, 2);
      const [lr, beta1, beta2, epsilon] = [10 ** (-4 + 3 * next()), 0.8 + 0.15 * next(), 0.99 + 0.009 * next(), [1e-8, 1e-7][trial % 2]];
      const label = `trial ${trial}: ${state.shapes.map((s) => `[${s}]`).join(' ')} scale ${state.scale} iteration ${state.iteration}`;

      // tfjs, stock wasm kernels
      unregisterTorchKernels();
      const values = variablesOf(state, state.values, 'adam-ref');
      const reference = new tf.AdamOptimizer(lr, beta1, beta2, epsilon);
      await reference.setWeights([
        { name: 'iter', tensor: tf.scalar(state.iteration, 'int32') },
        ...state.slots[0].map((m, i) => ({ name: `${values[i].name}/m`, tensor: tf.tensor(m, state.shapes[i]) })),
        ...state.slots[1].map((v, i) => ({ name: `${values[i].name}/v`, tensor: tf.tensor(v, state.shapes[i]) })),
      ]);
      const powers = reference as unknown as { accBeta1: tf.Variable; accBeta2: tf.Variable };
      const [accBeta1, accBeta2] = [powers.accBeta1.dataSync()[0], powers.accBeta2.dataSync()[0]];
      const grads = adjustedGradients(state, values);
      reference.applyGradients(grads);
      const expected = await read([...values, ...(await reference.getWeights()).slice(1).map((w) => w.tensor)]);
      tf.dispose([...values, ...Object.values(grads)]);
      reference.dispose();

      // one native call
      registerTorchKernels({ threads: 2 });
      const before = nativeCallCounts().adamStep ?? 0;
      const variables = variablesOf(state, state.values, 'adam');
      const [m, v] = state.slots.map((slot, k) => variablesOf(state, slot, `adam-slot${k}`));
      const gradients = state.grads.map((g, i) => tf.tensor(g, state.shapes[i]));
      const scale = state.scale == null ? null : tf.scalar(state.scale);
      const done = adamStep({ variables, gradients, firstMoments: m, secondMoments: v, decays: state.decays, scale, learningRate: lr, beta1, beta2, epsilon, accBeta1, accBeta2 });
      expect(done).toBe(true);
      expect((nativeCallCounts().adamStep ?? 0) - before).toBe(1);
      expectIdentical(await read([...variables, ...m, ...v]), expected, label);
      tf.dispose([...variables, ...m, ...v, ...gradients, ...(scale ? [scale] : [])]);
    }
  });

  it('SGD with momentum (and Nesterov): values and accumulations identical to tf.MomentumOptimizer', async () => {
    const next = rng(72);
    for (let trial = 0; trial < 8; trial++) {
      const state = randomState(next, 1);
      const [lr, momentum, nesterov] = [10 ** (-3 + 2 * next()), 0.5 + 0.49 * next(), trial % 2 === 1];
      const label = `trial ${trial}: ${state.shapes.map((s) => `[${s}]`).join(' ')} scale ${state.scale} nesterov ${nesterov}`;

      unregisterTorchKernels();
      const values = variablesOf(state, state.values, 'momentum-ref');
      const reference = new tf.MomentumOptimizer(lr, momentum, nesterov);
      await reference.setWeights([
        { name: 'iter', tensor: tf.scalar(state.iteration, 'int32') },
        ...state.slots[0].map((a, i) => ({ name: `${values[i].name}/momentum`, tensor: tf.tensor(a, state.shapes[i]) })),
      ]);
      const grads = adjustedGradients(state, values);
      reference.applyGradients(grads);
      const expected = await read([...values, ...(await reference.getWeights()).slice(1).map((w) => w.tensor)]);
      tf.dispose([...values, ...Object.values(grads)]);
      reference.dispose();

      registerTorchKernels({ threads: 2 });
      const before = nativeCallCounts().momentumStep ?? 0;
      const variables = variablesOf(state, state.values, 'momentum');
      const [accumulations] = state.slots.map((slot) => variablesOf(state, slot, 'momentum-slot'));
      const gradients = state.grads.map((g, i) => tf.tensor(g, state.shapes[i]));
      const scale = state.scale == null ? null : tf.scalar(state.scale);
      expect(momentumStep({ variables, gradients, accumulations, decays: state.decays, scale, learningRate: lr, momentum, nesterov })).toBe(true);
      expect((nativeCallCounts().momentumStep ?? 0) - before).toBe(1);
      expectIdentical(await read([...variables, ...accumulations]), expected, label);
      tf.dispose([...variables, ...accumulations, ...gradients, ...(scale ? [scale] : [])]);
    }
  });

  it('a slot sharing its buffer with another tensor is copied first: the other tensor keeps its values', async () => {
    registerTorchKernels({ threads: 2 });
    const source = tf.tensor([1, 2, 3, 4]);
    const variable = tf.variable(tf.zeros([4]), false, name('shared'));
    const accumulation = tf.variable(source, false, name('shared-acc')); // shares source's buffer (as after setWeights)
    const gradient = tf.ones([4]);
    expect(momentumStep({ variables: [variable], gradients: [gradient], accumulations: [accumulation], decays: [0], scale: null, learningRate: 0.5, momentum: 0.5, nesterov: false })).toBe(true);
    expect(Array.from(await source.data())).toEqual([1, 2, 3, 4]);
    expect(Array.from(await accumulation.data())).toEqual([1.5, 2, 2.5, 3]);
    expect(Array.from(await variable.data())).toEqual([-0.75, -1, -1.25, -1.5]);
    tf.dispose([source, variable, accumulation, gradient]);
  });

  it("a variable that wasm's matMul used before the step is multiplied with its new values after it", async () => {
    // tfjs-backend-wasm keeps XNNPACK's packed weights per buffer: a variable updated in place would keep its old product
    registerTorchKernels({ threads: 2 });
    const x = tf.tensor2d([[1, 2, 3]]);
    const weights = tf.variable(tf.tensor2d([[1], [1], [1]]), false, name('matmul'));
    const accumulation = tf.variable(tf.zeros([3, 1]), false, name('matmul-acc'));
    const gradient = tf.ones([3, 1]);
    const before = tf.matMul(x, weights);
    expect(Array.from(await before.data())).toEqual([6]);
    momentumStep({ variables: [weights], gradients: [gradient], accumulations: [accumulation], decays: [0], scale: null, learningRate: 1, momentum: 0, nesterov: false });
    const after = tf.matMul(x, weights);
    expect(Array.from(await after.data())).toEqual([0]); // weights are now all 0
    tf.dispose([x, weights, accumulation, gradient, before, after]);
  });

  it('does nothing and says so when the kernels are not registered, or shapes do not match', () => {
    const variable = tf.variable(tf.zeros([3]), false, name('off'));
    const accumulation = tf.variable(tf.zeros([3]), false, name('off-acc'));
    const gradient = tf.ones([3]);
    const input = { variables: [variable], gradients: [gradient], accumulations: [accumulation], decays: [0], scale: null, learningRate: 1, momentum: 0.9, nesterov: false };
    unregisterTorchKernels();
    expect(momentumStep(input)).toBe(false);
    expect(Array.from(variable.dataSync())).toEqual([0, 0, 0]);
    registerTorchKernels({ threads: 2 });
    expect(() => momentumStep({ ...input, gradients: [tf.ones([4])] })).toThrow(/has 3 values/);
    tf.dispose([variable, accumulation, gradient]);
  });
});
