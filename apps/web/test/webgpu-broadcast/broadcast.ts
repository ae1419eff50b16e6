/**
 * WebGPU (tfjs-backend-webgpu 4.22) against plain JavaScript, for webgpu-broadcast.test.ts:
 *
 * - `?mode=ops`: binary ops between a tensor of rank 4-6 and a 1-D operand (1, 2-127 and 128 values, either side),
 *   each against a naive broadcast in JS; then the two symptoms the kernel check met: an upload recorded in the same
 *   batch as such an op, and the first upload after switching from cpu. `&stock=1` leaves tfjs's own kernels
 *   (no `initBackend`, so none of @trajectorynet/runtime's WebGPU kernels): the bug as tfjs ships it.
 * - `?mode=model&backend=cpu|webgpu`: a joint TrajectoryNet with MotionNet trajectories on a page that only ever
 *   uses that backend (as the app: `initBackend`, then a model whose weights are uploaded): `window.runModel(weights)`
 *   sets the weights (none: the seeded ones) and returns them with the trajectories and logits of a seeded clip.
 */
import * as tf from '@tensorflow/tfjs';
import { seededRandom } from '@trajectorynet/core';
import { createRecognizer, RECOGNIZER_DEFAULTS, type RecognizerConfig } from '@trajectorynet/recognizer';
import { type BrowserBackendName, initBackend } from '@trajectorynet/runtime';

interface OpCase {
  op: string;
  a: number[];
  b: number[];
  /** max |webgpu - JS| and max |JS| */
  difference: number;
  scale: number;
}
interface ModelRun {
  backend: string;
  weights: number[][];
  offsets: number[];
  logits: number[];
}
declare global {
  interface Window {
    probe: { status: 'running' | 'done' | 'error'; backend?: string; error?: string; cases?: OpCase[]; sameBatch?: { difference: number; scale: number }; afterSwitch?: { difference: number; scale: number }; leakedTensors?: number };
    runModel?: (weights: number[][] | null) => Promise<ModelRun>;
  }
}
window.probe = { status: 'running' };

const OPS: Record<string, { run: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor; js: (a: number, b: number) => number }> = {
  add: { run: tf.add, js: (a, b) => a + b },
  sub: { run: tf.sub, js: (a, b) => a - b },
  mul: { run: tf.mul, js: (a, b) => a * b },
  div: { run: tf.div, js: (a, b) => a / b },
  maximum: { run: tf.maximum, js: (a, b) => Math.max(a, b) },
  prelu: { run: (a, b) => tf.prelu(a, b), js: (a, b) => (a >= 0 ? a : a * b) },
};

/** The broadcast of `f` over a (shape `as`) and b (shape `bs`), numpy rules, in JS. */
function broadcast(f: (x: number, y: number) => number, a: Float32Array, as: number[], b: Float32Array, bs: number[]): { values: Float32Array; shape: number[] } {
  const rank = Math.max(as.length, bs.length);
  const pad = (s: number[]) => [...new Array(rank - s.length).fill(1), ...s];
  const [pa, pb] = [pad(as), pad(bs)];
  const shape = pa.map((d, i) => Math.max(d, pb[i]));
  const size = shape.reduce((p, d) => p * d, 1);
  const values = new Float32Array(size);
  const index = (coords: number[], s: number[]) => coords.reduce((flat, c, i) => flat * s[i] + (s[i] === 1 ? 0 : c), 0);
  for (let i = 0; i < size; i++) {
    const coords = new Array<number>(rank);
    for (let d = rank - 1, rest = i; d >= 0; d--) {
      coords[d] = rest % shape[d];
      rest = Math.floor(rest / shape[d]);
    }
    values[i] = f(a[index(coords, pa)], b[index(coords, pb)]);
  }
  return { values, shape };
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return Number.isNaN(d) ? Number.POSITIVE_INFINITY : d;
};
const maxAbs = (a: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
};

async function checkOps(): Promise<void> {
  const stock = new URLSearchParams(location.search).has('stock');
  // (importing @trajectorynet/runtime registers tfjs's webgpu backend; only initBackend adds our kernels to it)
  if (stock) {
    if (!(await tf.setBackend('webgpu'))) throw new Error('no webgpu backend');
    await tf.ready();
  } else {
    await initBackend({ prefer: 'webgpu', log: null });
  }
  const r = seededRandom(34);
  const uniform = (length: number, lo: number, hi: number) => Float32Array.from({ length }, () => lo + (hi - lo) * r());
  const before = tf.memory().numTensors;
  const cases: OpCase[] = [];
  // (operands of 1000 values and more: tfjs's WebGPU backend runs smaller ones that are still on the CPU there, for some ops)
  const shapes: [number[], number[]][] = [
    [[2, 4, 8, 9, 3], [3]], // a clip times a per-channel [3]: the recognizer's input normalisation
    [[3], [2, 4, 8, 9, 3]],
    [[2, 2, 3, 4, 4, 7], [7]], // rank 6
    [[4, 4, 8, 9, 1], [5]], // the 1-D operand broadcast against a last dim of 1
    [[2, 2, 3, 2, 127], [127]],
    [[2, 2, 3, 2, 128], [128]], // not the shared shader (128 and more)
    [[2, 4, 8, 9, 3], [1]], // nor one value
    [[6, 8, 9, 3], [3]], // rank 4: a vec4, which WGSL indexes
    [[2, 4, 8, 9, 3], [2, 4, 8, 9, 3]],
  ];
  for (const [as, bs] of shapes) {
    for (const [op, { run, js }] of Object.entries(OPS)) {
      if (op === 'prelu' && (as.length === 1 || bs.length > as.length)) continue; // prelu's alpha broadcasts into x
      const a = uniform(as.reduce((p, d) => p * d, 1), -1, 1);
      const b = uniform(bs.reduce((p, d) => p * d, 1), 0.5, 1.5);
      const expected = broadcast(js, a, as, b, bs);
      const [ta, tb] = [tf.tensor(a, as), tf.tensor(b, bs)];
      const y = run(ta, tb);
      const values = await y.data();
      cases.push({ op, a: as, b: bs, difference: y.shape.join() === expected.shape.join() ? maxAbsDiff(values, expected.values) : Number.POSITIVE_INFINITY, scale: maxAbs(expected.values) });
      tf.dispose([ta, tb, y]);
    }
  }
  // an upload and an op on it, recorded in the same batch as a rank-5 broadcast, read back after it
  const u = uniform(2048, 1, 2);
  const tu = tf.tensor1d(u);
  const doubled = tf.mul(tu, 2);
  const clip = tf.tensor(uniform(2 * 4 * 8 * 9 * 3, -1, 1), [2, 4, 8, 9, 3]);
  const scale = tf.tensor1d([0.5, 1, 2]);
  const scaled = tf.mul(clip, scale);
  const sameBatch = await doubled.data();
  await scaled.data();
  tf.dispose([tu, doubled, clip, scale, scaled]);
  // the kernel check's order: work on cpu, switch to webgpu, upload a clip and normalise it per channel
  await tf.setBackend('cpu');
  const clipValues = uniform(2 * 5 * 8 * 8 * 3, -1, 1);
  const onCpu = tf.tensor(clipValues, [2, 5, 8, 8, 3]);
  const sum = tf.sum(onCpu);
  await sum.data();
  tf.dispose([onCpu, sum]);
  await tf.setBackend('webgpu');
  const clip2 = tf.tensor(clipValues, [2, 5, 8, 8, 3]);
  const normalised = tf.tidy(() => tf.add(tf.mul(clip2, tf.tensor1d([2, 2, 2])), tf.tensor1d([1, 1, 1])));
  const afterSwitch = await normalised.data();
  tf.dispose([clip2, normalised]);
  window.probe = {
    status: 'done',
    backend: tf.getBackend(),
    cases,
    sameBatch: { difference: maxAbsDiff(sameBatch, u.map((v) => 2 * v)), scale: 4 },
    afterSwitch: { difference: maxAbsDiff(afterSwitch, clipValues.map((v) => 2 * v + 1)), scale: 3 },
    leakedTensors: tf.memory().numTensors - before,
  };
}

/** The browser test's MotionNet model (preset trajectorynet-r18-motionnet-motion-tiny at 1/16 width), as in the kernel check. */
async function modelPage(backend: BrowserBackendName): Promise<void> {
  await initBackend({ prefer: backend, log: null });
  const config: RecognizerConfig = { ...RECOGNIZER_DEFAULTS, variant: 'trajectorynet', trajectories: 'motionnet', width: 0.0625, frames: 4, size: 32, numClasses: 6, motionnet: { width: 0.0625, frames: 5 }, batchNorm: 'frozen' };
  const recognizer = createRecognizer(config, 5);
  const r = seededRandom(7);
  const clip = Float32Array.from({ length: 2 * 5 * 32 * 32 * 3 }, () => 2 * r() - 1);
  window.runModel = async (weights) => {
    if (weights != null) {
      if (weights.length !== recognizer.weights.length) throw new Error(`${weights.length} weights for ${recognizer.weights.length}`);
      for (const [i, w] of recognizer.weights.entries()) {
        const value = tf.tensor(weights[i], w.shape as number[], w.dtype);
        w.write(value); // (the variable takes a reference to the values: the tensor object can go)
        value.dispose();
      }
    }
    const own = await Promise.all(recognizer.weights.map(async (w) => Array.from(await w.read().data())));
    const clips = tf.tensor5d(clip, [2, 5, 32, 32, 3]);
    const [logits, offsets] = tf.tidy(() => {
      const output = recognizer.forward({ clips }, false);
      if (output.offsets == null) throw new Error('the recognizer gave no offsets');
      return [output.logits, output.offsets];
    });
    const [o, l] = await Promise.all([offsets.data(), logits.data()]);
    tf.dispose([clips, logits, offsets]);
    return { backend: tf.getBackend(), weights: own, offsets: Array.from(o), logits: Array.from(l) };
  };
  window.probe = { status: 'done', backend: tf.getBackend() };
}

const params = new URLSearchParams(location.search);
(params.get('mode') === 'model' ? modelPage((params.get('backend') ?? 'webgpu') as BrowserBackendName) : checkOps()).catch((error: unknown) => {
  window.probe = { status: 'error', error: error instanceof Error ? `${error.message}\n${error.stack}` : String(error) };
  console.error(error);
});
