/**
 * ScheduledAdam and ScheduledMomentum's applyAdjusted: one native call per
 * step under wasm with the libtorch kernels, tfjs's kernels otherwise. On
 * random variables, gradients, learning rates, weight decay and clipping
 * scales the two give identical numbers over several steps, and the state
 * saved in a checkpoint file resumes either way as if uninterrupted.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { seededRandom } from '@trajectorynet/core';
import { nativeCallCounts } from '@trajectorynet/torch-kernels';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend.js';
import { loadCheckpoint, saveCheckpoint } from '../src/checkpoint.js';
import { ScheduledAdam, ScheduledMomentum } from '../src/optimizers.js';

type Kind = 'adam' | 'momentum' | 'nesterov';
const STEPS = 6;

/** Random shapes (a large one, several small ones), values, per-step gradients, rates and scales, from one seed. */
function problem(seed: number) {
  const next = seededRandom(seed);
  const shapes = [[180, 160], [3, 3, 8, 16], [16], [1], [40, 40]];
  const random = (size: number, spread: number) => Float32Array.from({ length: size }, () => spread * (2 * next() - 1));
  const sizes = shapes.map((s) => s.reduce((a, b) => a * b, 1));
  return {
    shapes,
    names: shapes.map((_, i) => (i % 2 === 0 ? `fused-test/conv${i}/kernel` : `fused-test/bn${i}/gamma`)),
    initial: sizes.map((n) => random(n, 1)),
    grads: Array.from({ length: STEPS }, () => sizes.map((n) => random(n, 2))),
    rates: Array.from({ length: STEPS }, () => 10 ** (-3 + 2 * next())),
    scales: Array.from({ length: STEPS }, (_, s) => (s % 3 === 1 ? null : 0.2 + 0.8 * next())),
  };
}
type Problem = ReturnType<typeof problem>;

const make = (kind: Kind) => (kind === 'adam' ? new ScheduledAdam(0.01, 0.9, 0.999, 1e-8) : new ScheduledMomentum(0.01, 0.9, kind === 'nesterov'));
const decayOf = (name: string) => (name.endsWith('kernel') ? 5e-4 : 0);

/** Steps [from, to) of the problem on fresh variables holding `values`, optionally from saved optimizer state; returns values and state. */
async function steps(p: Problem, kind: Kind, native: boolean, from: number, to: number, values: Float32Array[], saved?: string) {
  await initBackend({ prefer: 'wasm', log: null, native });
  const variables = values.map((v, i) => tf.variable(tf.tensor(v, p.shapes[i]), true, p.names[i]));
  const optimizer = make(kind);
  if (saved != null) {
    const checkpoint = await loadCheckpoint(saved);
    await optimizer.setWeights(checkpoint.optimizer);
    tf.dispose(checkpoint.optimizer.map((s) => s.tensor)); // the optimizer's slots share their buffers until then
  }
  for (let s = from; s < to; s++) {
    const grads = Object.fromEntries(p.names.map((name, i) => [name, tf.tensor(p.grads[s][i], p.shapes[i])]));
    const scale = p.scales[s] == null ? null : tf.scalar(p.scales[s] as number);
    optimizer.setLearningRate(p.rates[s]);
    optimizer.applyAdjusted(grads, { scale, decayOf });
    tf.dispose([...Object.values(grads), ...(scale ? [scale] : [])]);
  }
  const state = await optimizer.getWeights();
  const result = {
    values: await Promise.all(variables.map(async (v) => Float32Array.from(await v.data()))),
    state: await Promise.all(state.map(async (s) => ({ name: s.name, values: Float32Array.from(await s.tensor.data()) }))),
    file: path.join(dir, `${kind}-${native}-${from}-${to}-${Math.random().toString(36).slice(2)}.ckpt`),
  };
  await saveCheckpoint(result.file, { state: {}, weights: [], optimizer: state });
  tf.dispose([...variables, ...state.filter((s) => !(s.tensor instanceof tf.Variable)).map((s) => s.tensor)]);
  optimizer.dispose();
  return result;
}

function expectIdentical(a: Awaited<ReturnType<typeof steps>>, b: Awaited<ReturnType<typeof steps>>, label: string): void {
  const differing = (x: Float32Array, y: Float32Array) => x.reduce((n, v, i) => n + (Object.is(v, y[i]) ? 0 : 1), 0);
  for (const [i, v] of a.values.entries()) expect(differing(v, b.values[i]), `${label}: variable ${i}`).toBe(0);
  expect(a.state.map((s) => s.name)).toEqual(b.state.map((s) => s.name));
  for (const [i, s] of a.state.entries()) expect(differing(s.values, b.state[i].values), `${label}: ${s.name}`).toBe(0);
}

let dir = '';
let available = false;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'fused-optimizers-'));
  available = (await initBackend({ prefer: 'wasm', log: null, native: true })).native != null;
  if (!available && process.env.CI === 'true') throw new Error('CI: the native kernels must load');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await initBackend({ prefer: 'wasm', log: null });
});

describe('fused optimizer steps', () => {
  for (const kind of ['adam', 'momentum', 'nesterov'] as const) {
    it(`${kind}: one native call per step, the same numbers as tfjs's kernels, state included`, async (context) => {
      if (!available) context.skip();
      const p = problem(kind.length);
      const call = kind === 'adam' ? 'adamStep' : 'momentumStep';
      const before = nativeCallCounts()[call] ?? 0;
      const native = await steps(p, kind, true, 0, STEPS, p.initial);
      expect((nativeCallCounts()[call] ?? 0) - before).toBe(STEPS);
      const stock = await steps(p, kind, false, 0, STEPS, p.initial);
      expect((nativeCallCounts()[call] ?? 0) - before).toBe(STEPS);
      expectIdentical(native, stock, kind);
      // the update moved every variable
      for (const [i, v] of native.values.entries()) expect(v.some((x, j) => x !== p.initial[i][j])).toBe(true);
    });

    it(`${kind}: resumed from a checkpoint file (native or not) continues as the uninterrupted run`, async () => {
      const p = problem(10 + kind.length);
      const whole = await steps(p, kind, available, 0, STEPS, p.initial);
      const first = await steps(p, kind, available, 0, 3, p.initial);
      const resumed = await steps(p, kind, available, 3, STEPS, first.values, first.file);
      expectIdentical(resumed, whole, `${kind} resumed`);
      // state written by one engine, resumed by the other
      const crossed = await steps(p, kind, !available, 3, STEPS, first.values, first.file);
      expectIdentical(crossed, whole, `${kind} resumed on the other engine`);
    });
  }

  it('keeps the number of tensors flat', async () => {
    await initBackend({ prefer: 'wasm', log: null, native: available });
    const w = tf.variable(tf.randomNormal([64, 64]), true, 'fused-test/flat/kernel');
    const g = { [w.name]: tf.randomNormal([64, 64]) };
    for (const optimizer of [make('adam'), make('momentum')]) {
      optimizer.applyAdjusted(g, { scale: null, decayOf });
      const before = tf.memory().numTensors;
      for (let i = 0; i < 5; i++) optimizer.applyAdjusted(g, { scale: null, decayOf });
      expect(tf.memory().numTensors).toBe(before);
      optimizer.dispose();
    }
    tf.dispose([w, ...Object.values(g)]);
  });
});
