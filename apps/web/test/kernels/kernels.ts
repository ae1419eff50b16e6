/**
 * The trajectory-sampling kernels of a GPU backend against tfjs's cpu backend (the JS kernel), in
 * the browser: forward and both gradients on random shapes, with offsets inside the WebGL
 * input-gradient window and beyond it (where the gradient falls back to the composite of built-in
 * ops). Results on `window.kernelCheck` for kernels.test.ts; `?backend=` picks the backend.
 */
import * as tf from '@tensorflow/tfjs';
import { seededRandom } from '@trajectorynet/core';
import { createRecognizer, RECOGNIZER_DEFAULTS, type RecognizerConfig } from '@trajectorynet/recognizer';
import { type BrowserBackendName, initBackend } from '@trajectorynet/runtime';
import { resizeOffsets, temporalConv, trajectoriesFromFlow, trajectoryConv, trajectorySample, trajectorySamplingPath, WEBGL_GRAD_X_MAX_RADIUS } from '@trajectorynet/trajectory-conv';

interface Shape {
  n: number;
  t: number;
  h: number;
  w: number;
  c: number;
  k: number;
  stride: number;
  dilation: number;
  offsetScale: number;
}
interface CaseResult {
  shape: Shape;
  forward: number;
  gradX: number;
  gradOffsets: number;
}
/** A fused conv (temporal or trajectory; bias, activation, residual) against the cpu backend's composite. */
interface FusedCaseResult {
  shape: Shape & { cout: number; conv: 'trajectory' | 'temporal'; residual: boolean; activation: 'linear' | 'relu' };
  /** The kernels the backend ran for the forward (must be the fused one), and max |backend - cpu|. */
  kernels: string[];
  forward: number;
  /** Gradient of sum(y * dy) into x (and the residual) under tf.grad, where the ops take their composite: max |backend - cpu|. */
  gradX: number;
  gradResidual: number;
}
/** The offsets' plumbing (trajectoriesFromFlow with one step per tap, resizeOffsets) against the cpu backend's composite. */
interface OffsetsCaseResult {
  shape: { n: number; t: number; h: number; w: number; factor: number };
  /** The kernels each op ran on the backend, and max |backend - cpu| of each. */
  kernels: string[][];
  trajectories: number;
  resized: number;
}
/** A joint TrajectoryNet's MotionNet (random weights) on the backend against the cpu backend: max |backend - cpu| and max |cpu| of each output. */
interface MotionNetResult {
  /** MotionNet's predictions at its five scales (coarse to fine), on a random stack of frames. */
  flows: { shape: number[]; difference: number; scale: number }[];
  /** The whole recognizer's forward on a random clip: the trajectories MotionNet's flows make, and the logits. */
  offsets: { difference: number; scale: number };
  logits: { difference: number; scale: number };
}
declare global {
  interface Window {
    kernelCheck: {
      status: 'running' | 'done' | 'error';
      step?: string;
      backend?: string;
      path?: string;
      cases?: CaseResult[];
      fused?: FusedCaseResult[];
      offsets?: OffsetsCaseResult[];
      motionNet?: MotionNetResult;
      leakedTensors?: number;
      error?: string;
    };
  }
}
window.kernelCheck = { status: 'running' };

function shapes(count: number, r: () => number): Shape[] {
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  // offsets within the input-gradient window, and (every third shape) beyond it
  return Array.from({ length: count }, (_, i) => ({
    n: int(1, 2),
    t: int(2, 7),
    h: int(1, 9),
    w: int(1, 9),
    c: int(1, 5),
    k: [1, 3, 5][int(0, 2)],
    stride: int(1, 2),
    dilation: int(1, 2),
    offsetScale: i % 3 === 2 ? WEBGL_GRAD_X_MAX_RADIUS + 3 : [0.5, 2.5, 5][i % 3],
  }));
}

/** Forward samples and the gradients of sum(samples * dy) into x and the offsets, on `backend`. */
async function evaluate(backend: string, s: Shape, x: Float32Array, offsets: Float32Array, dy: Float32Array): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const to = Math.ceil(s.t / s.stride);
  const attrs = { stride: s.stride, dilation: s.dilation };
  const [xs, os, dys] = [tf.tensor(x, [s.n, s.t, s.h, s.w, s.c]), tf.tensor(offsets, [s.n, to, s.h, s.w, s.k, 2]), tf.tensor(dy, [s.n, to, s.h, s.w, s.k, s.c])];
  window.kernelCheck.step = `${backend}: forward of ${JSON.stringify(s)}`;
  const forward = trajectorySample(xs, os, attrs);
  await forward.data();
  window.kernelCheck.step = `${backend}: gradients of ${JSON.stringify(s)}`;
  const [gx, go] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(trajectorySample(a, b, attrs), dys)))([xs, os]);
  const values = (await Promise.all([forward.data(), gx.data(), go.data()])) as Float32Array[];
  tf.dispose([xs, os, dys, forward, gx, go]);
  return values;
}

/** A fused conv's forward (profiled: which kernels ran) and its gradients into x and the residual under tf.grad, on `backend`. */
async function evaluateFused(backend: string, s: FusedCaseResult['shape'], values: Record<string, Float32Array>): Promise<{ kernels: string[]; out: Float32Array[] }> {
  await tf.setBackend(backend);
  const to = Math.ceil(s.t / s.stride);
  const x = tf.tensor(values.x, [s.n, s.t, s.h, s.w, s.c]);
  const offsets = tf.tensor(values.offsets, [s.n, to, s.h, s.w, s.k, 2]);
  const kernel = tf.tensor(values.kernel, [s.k, s.c, s.cout]);
  const bias = tf.tensor1d(values.bias);
  const residual = tf.tensor(values.residual, [s.n, to, s.h, s.w, s.cout]);
  const dy = tf.tensor(values.dy, [s.n, to, s.h, s.w, s.cout]);
  const conv = (a: tf.Tensor, r: tf.Tensor) => {
    const options = { stride: s.stride, dilation: s.dilation, bias: bias as tf.Tensor1D, activation: s.activation, residual: s.residual ? r : undefined };
    return s.conv === 'trajectory' ? trajectoryConv(a, offsets, kernel, options) : temporalConv(a, kernel, options);
  };
  window.kernelCheck.step = `${backend}: fused forward of ${JSON.stringify(s)}`;
  const profile = await tf.profile(() => conv(x, residual));
  const forward = profile.result as tf.Tensor;
  window.kernelCheck.step = `${backend}: fused gradients of ${JSON.stringify(s)}`;
  // (the residual's gradient only where the conv has one: tf.grads refuses an input the function does not use)
  const [gx, gr] = s.residual ? tf.grads((a: tf.Tensor, r: tf.Tensor) => tf.sum(tf.mul(conv(a, r), dy)))([x, residual]) : [tf.grad((a: tf.Tensor) => tf.sum(tf.mul(conv(a, residual), dy)))(x), tf.zeros([1])];
  const out = (await Promise.all([forward.data(), gx.data(), gr.data()])) as Float32Array[];
  tf.dispose([x, offsets, kernel, bias, residual, dy, forward, gx, gr]);
  return { kernels: profile.kernels.map((k) => k.name), out };
}

/** trajectoriesFromFlow (taps 3) and resizeOffsets of its output by `factor`, each profiled, on `backend`. */
async function evaluateOffsets(backend: string, s: OffsetsCaseResult['shape'], forward: Float32Array, backward: Float32Array): Promise<{ kernels: string[][]; out: Float32Array[] }> {
  await tf.setBackend(backend);
  const flowShape = [s.n, s.t - 1, s.h, s.w, 2];
  const [f, b] = [tf.tensor(forward, flowShape), tf.tensor(backward, flowShape)];
  window.kernelCheck.step = `${backend}: offsets of ${JSON.stringify(s)}`;
  // (tfjs's profile info is one object that the next profile overwrites: read each before the next)
  const made = await tf.profile(() => trajectoriesFromFlow(f, b, { taps: 3 }));
  const [offsets, madeKernels] = [made.result as tf.Tensor, made.kernels.map((k) => k.name)];
  const resized = await tf.profile(() => resizeOffsets(offsets, s.factor));
  const [pooled, resizedKernels] = [resized.result as tf.Tensor, resized.kernels.map((k) => k.name)];
  const out = (await Promise.all([offsets.data(), pooled.data()])) as Float32Array[];
  tf.dispose([f, b, offsets, pooled]);
  return { kernels: [madeKernels, resizedKernels], out };
}

/** The joint TrajectoryNet of the browser test's MotionNet model (preset trajectorynet-r18-motionnet-motion-tiny at 1/16 width), random weights made on cpu; run on cpu, then on `backend` (tfjs moves the weights), and compared. */
async function checkMotionNet(backend: string, r: () => number): Promise<MotionNetResult> {
  await tf.setBackend('cpu');
  const config: RecognizerConfig = { ...RECOGNIZER_DEFAULTS, variant: 'trajectorynet', trajectories: 'motionnet', width: 0.0625, frames: 4, size: 32, numClasses: 6, motionnet: { width: 0.0625, frames: 5 }, batchNorm: 'frozen' };
  const recognizer = createRecognizer(config, 5);
  const motionNet = recognizer.motionNet;
  if (motionNet == null) throw new Error('the recognizer has no MotionNet');
  const [, h, w, c] = motionNet.inputs[0].shape as number[];
  const stack = Float32Array.from({ length: 2 * h * w * c }, () => r() - 0.5);
  const clip = Float32Array.from({ length: 2 * 5 * 32 * 32 * 3 }, () => 2 * r() - 1);
  const run = async (name: string): Promise<{ flows: Float32Array[]; shapes: number[][]; offsets: Float32Array; logits: Float32Array }> => {
    await tf.setBackend(name);
    window.kernelCheck.step = `${name}: MotionNet`;
    const x = tf.tensor4d(stack, [2, h, w, c]);
    const outputs = motionNet.predict(x) as tf.Tensor[];
    const flows = (await Promise.all(outputs.map((o) => o.data()))) as Float32Array[];
    const shapes = outputs.map((o) => o.shape);
    const clips = tf.tensor5d(clip, [2, 5, 32, 32, 3]);
    // (forward leaves its intermediates to the caller's scope)
    const [logits, offsets] = tf.tidy(() => {
      const output = recognizer.forward({ clips }, false);
      if (output.offsets == null) throw new Error('the recognizer gave no offsets');
      return [output.logits, output.offsets];
    });
    const [o, l] = (await Promise.all([offsets.data(), logits.data()])) as Float32Array[];
    tf.dispose([x, ...outputs, clips, logits, offsets]);
    return { flows, shapes, offsets: o, logits: l };
  };
  const expected = await run('cpu');
  const actual = await run(backend);
  recognizer.dispose();
  const compare = (a: Float32Array, b: Float32Array) => ({ difference: maxAbsDiff(a, b), scale: Math.max(...b.map(Math.abs)) });
  return {
    flows: expected.flows.map((e, i) => ({ shape: expected.shapes[i], ...compare(actual.flows[i], e) })),
    offsets: compare(actual.offsets, expected.offsets),
    logits: compare(actual.logits, expected.logits),
  };
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff = Math.max(diff, Math.abs(a[i] - b[i]));
  return Number.isNaN(diff) ? Number.POSITIVE_INFINITY : diff;
}

async function main(): Promise<void> {
  const backend = (new URLSearchParams(location.search).get('backend') ?? 'webgl') as BrowserBackendName;
  // the runtime's choice, as the page makes it (it registers the webgpu backend)
  await initBackend({ prefer: backend, log: null });
  const path = trajectorySamplingPath(backend);
  window.kernelCheck.step = `${backend}: a built-in op`;
  const builtin = tf.tidy(() => tf.sum(tf.mul(tf.range(0, 1000), 2)));
  await builtin.data();
  builtin.dispose();
  const r = seededRandom(34);
  const cases: CaseResult[] = [];
  let before = -1;
  for (const s of shapes(18, r)) {
    const to = Math.ceil(s.t / s.stride);
    const uniform = (length: number, scale: number) => Float32Array.from({ length }, () => (2 * r() - 1) * scale);
    const x = uniform(s.n * s.t * s.h * s.w * s.c, 1);
    const offsets = uniform(s.n * to * s.h * s.w * s.k * 2, s.offsetScale).map((v, i) => (i % 5 === 0 ? Math.round(v) : v));
    const dy = uniform(s.n * to * s.h * s.w * s.k * s.c, 1);
    const expected = await evaluate('cpu', s, x, offsets, dy);
    const actual = await evaluate(backend, s, x, offsets, dy);
    // counted after the first case: the backends' own first-use tensors are not leaks
    if (before < 0) before = tf.memory().numTensors;
    cases.push({ shape: s, forward: maxAbsDiff(actual[0], expected[0]), gradX: maxAbsDiff(actual[1], expected[1]), gradOffsets: maxAbsDiff(actual[2], expected[2]) });
  }
  const fused: FusedCaseResult[] = [];
  for (const [i, base] of shapes(16, r).entries()) {
    const s: FusedCaseResult['shape'] = { ...base, offsetScale: Math.min(base.offsetScale, 3), cout: 1 + Math.floor(r() * 6), conv: i % 2 === 0 ? 'trajectory' : 'temporal', residual: i % 3 !== 1, activation: i % 3 === 0 ? 'linear' : 'relu' };
    const to = Math.ceil(s.t / s.stride);
    const uniform = (length: number, scale: number) => Float32Array.from({ length }, () => (2 * r() - 1) * scale);
    const values = {
      x: uniform(s.n * s.t * s.h * s.w * s.c, 1),
      offsets: uniform(s.n * to * s.h * s.w * s.k * 2, s.offsetScale).map((v, j) => (j % 5 === 0 ? Math.round(v) : v)),
      kernel: uniform(s.k * s.c * s.cout, 1),
      bias: uniform(s.cout, 1),
      residual: uniform(s.n * to * s.h * s.w * s.cout, 1),
      dy: uniform(s.n * to * s.h * s.w * s.cout, 1),
    };
    const expected = await evaluateFused('cpu', s, values);
    const actual = await evaluateFused(backend, s, values);
    fused.push({ shape: s, kernels: actual.kernels, forward: maxAbsDiff(actual.out[0], expected.out[0]), gradX: maxAbsDiff(actual.out[1], expected.out[1]), gradResidual: maxAbsDiff(actual.out[2], expected.out[2]) });
  }
  const offsets: OffsetsCaseResult[] = [];
  for (let i = 0; i < 8; i++) {
    const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
    // sizes that the factor divides and that it does not ('same' padding, partial cells)
    const s = { n: int(1, 2), t: int(2, 5), h: int(1, 13), w: int(1, 13), factor: int(2, 5) };
    const length = s.n * (s.t - 1) * s.h * s.w * 2;
    const flow = () => Float32Array.from({ length }, () => (2 * r() - 1) * 4);
    const [forward, backward] = [flow(), flow()];
    const expected = await evaluateOffsets('cpu', s, forward, backward);
    const actual = await evaluateOffsets(backend, s, forward, backward);
    offsets.push({ shape: s, kernels: actual.kernels, trajectories: maxAbsDiff(actual.out[0], expected.out[0]), resized: maxAbsDiff(actual.out[1], expected.out[1]) });
  }
  const motionNet = await checkMotionNet(backend, r);
  await tf.setBackend(backend);
  window.kernelCheck = { status: 'done', backend: tf.getBackend(), path, cases, fused, offsets, motionNet, leakedTensors: tf.memory().numTensors - before };
  (document.getElementById('status') as HTMLElement).textContent = JSON.stringify(window.kernelCheck);
}

main().catch((error: unknown) => {
  window.kernelCheck = { status: 'error', step: window.kernelCheck.step, error: error instanceof Error ? `${error.message}\n${error.stack}` : String(error) };
  console.error(error);
});
