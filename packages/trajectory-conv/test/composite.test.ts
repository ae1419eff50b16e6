/**
 * The composite of tfjs's built-in ops (what trajectorySample runs on a backend without our kernel,
 * tfjs-node-gpu in particular) against the cpu kernel's code, forward and both gradients, on random
 * shapes, run on the cpu and wasm backends; and the automatic choice on a backend with no kernel.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@trajectorynet/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trajectorySample } from '../src/index.js';
import { geometry, sampleForward, sampleGradOffsets, sampleGradX } from '../src/kernels/trajectory-sample.js';
import { compositeSampleForward, compositeSampleGradOffsets, compositeSampleGradX } from '../src/ops/trajectory-sample-composite.js';
import { rng } from './reference.js';

beforeAll(async () => {
  await initBackend({ prefer: 'cpu', log: null });
  await initBackend({ prefer: 'wasm', log: null });
});

interface Shape {
  n: number;
  t: number;
  h: number;
  w: number;
  c: number;
  k: number;
  stride: number;
  dilation: number;
}

/** Random shapes (taps reaching outside the clip for most of them), seeded so that a failure repeats. */
function randomShapes(count: number, seed: number): Shape[] {
  const r = rng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  return Array.from({ length: count }, () => ({ n: int(1, 2), t: int(2, 7), h: int(1, 7), w: int(1, 7), c: int(1, 5), k: [1, 3, 5][int(0, 2)], stride: int(1, 2), dilation: int(1, 2) }));
}

/** Random x, offsets up to +-4 px (samples leave the map, some land on whole pixels) and output gradient. */
function randomCase(s: Shape, seed: number) {
  const r = rng(seed);
  const to = Math.ceil(s.t / s.stride);
  const uniform = (length: number, scale: number) => Float32Array.from({ length }, () => (2 * r() - 1) * scale);
  const offsets = uniform(s.n * to * s.h * s.w * s.k * 2, 4).map((v, i) => (i % 7 === 0 ? Math.round(v) : v));
  return { x: uniform(s.n * s.t * s.h * s.w * s.c, 1), offsets, dy: uniform(s.n * to * s.h * s.w * s.k * s.c, 1), to };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff = Math.max(diff, Math.abs(a[i] - b[i]));
  return diff;
}

const SHAPES = randomShapes(12, 34);
const describeShape = (s: Shape) => `N${s.n} T${s.t} ${s.h}x${s.w} C${s.c} K${s.k} stride ${s.stride} dilation ${s.dilation}`;

describe.each(['cpu', 'wasm'])('the composite of built-in ops on %s', (backend) => {
  beforeAll(() => tf.setBackend(backend));

  it.each(SHAPES.map((s, i) => [describeShape(s), s, i] as const))('equals the cpu kernel forward and in both gradients: %s', async (_name, s, i) => {
    const cs = randomCase(s, 1000 + i);
    const attrs = { stride: s.stride, dilation: s.dilation };
    const xShape = [s.n, s.t, s.h, s.w, s.c];
    const offsetShape = [s.n, cs.to, s.h, s.w, s.k, 2];
    const g = geometry(xShape, offsetShape, attrs);
    const x = tf.tensor(cs.x, xShape);
    const offsets = tf.tensor(cs.offsets, offsetShape);
    const dy = tf.tensor(cs.dy, [...offsetShape.slice(0, 5), s.c]);
    const before = tf.memory().numTensors;
    const [forward, gradX, gradOffsets] = [compositeSampleForward(x, offsets, attrs), compositeSampleGradX(dy, x, offsets, attrs), compositeSampleGradOffsets(dy, x, offsets, attrs)];
    expect(tf.memory().numTensors).toBe(before + 3);
    expect(forward.shape).toEqual(dy.shape);
    expect(gradX.shape).toEqual(x.shape);
    expect(gradOffsets.shape).toEqual(offsets.shape);
    // float32 sums of at most 4 (forward, offsets: 4 * C) products of values <= 4 in size
    expect(maxAbsDiff(await forward.data(), sampleForward(cs.x, cs.offsets, g))).toBeLessThan(1e-5);
    expect(maxAbsDiff(await gradX.data(), sampleGradX(cs.dy, cs.offsets, g))).toBeLessThan(1e-4);
    expect(maxAbsDiff(await gradOffsets.data(), sampleGradOffsets(cs.dy, cs.x, cs.offsets, g))).toBeLessThan(1e-4);
    tf.dispose([x, offsets, dy, forward, gradX, gradOffsets]);
  });
});

describe('trajectorySample on a backend without our kernel', () => {
  const BARE = 'bare-cpu';
  beforeAll(async () => {
    // the cpu backend under another name, with every kernel of cpu except ours (as tfjs-node has none)
    const Cpu = tf.findBackend('cpu')?.constructor as new () => tf.KernelBackend;
    tf.registerBackend(BARE, () => new Cpu());
    for (const config of tf.getKernelsForBackend('cpu')) {
      if (!config.kernelName.startsWith('TrajectorySample')) tf.registerKernel({ ...config, backendName: BARE });
    }
    await tf.setBackend(BARE);
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
    tf.removeBackend(BARE);
  });

  it('runs the composite: the same samples and gradients as the cpu kernel, and no tensor left behind', async () => {
    const s: Shape = { n: 2, t: 5, h: 4, w: 6, c: 3, k: 3, stride: 2, dilation: 1 };
    const cs = randomCase(s, 77);
    const attrs = { stride: s.stride, dilation: s.dilation };
    const xShape = [s.n, s.t, s.h, s.w, s.c];
    const offsetShape = [s.n, cs.to, s.h, s.w, s.k, 2];
    const g = geometry(xShape, offsetShape, attrs);
    const x = tf.tensor(cs.x, xShape);
    const offsets = tf.tensor(cs.offsets, offsetShape);
    const dy = tf.tensor(cs.dy, [...offsetShape.slice(0, 5), s.c]);
    expect(tf.getKernel('TrajectorySample', BARE)).toBeUndefined();
    const step = () => tf.tidy(() => tf.grads((a, b) => tf.sum(tf.mul(trajectorySample(a, b, attrs), dy)))([x, offsets]));
    const forward = trajectorySample(x, offsets, attrs);
    expect(tf.getKernel('TrajectorySample', BARE)).toBeUndefined();
    expect(maxAbsDiff(await forward.data(), sampleForward(cs.x, cs.offsets, g))).toBeLessThan(1e-5);
    const [gradX, gradOffsets] = step();
    expect(maxAbsDiff(await gradX.data(), sampleGradX(cs.dy, cs.offsets, g))).toBeLessThan(1e-4);
    expect(maxAbsDiff(await gradOffsets.data(), sampleGradOffsets(cs.dy, cs.x, cs.offsets, g))).toBeLessThan(1e-4);
    tf.dispose([forward, gradX, gradOffsets]);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) tf.dispose(step());
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, offsets, dy]);
  });
});
