import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { seededRandom } from '@trajectorynet/core';
import { nativeCallCounts, registerTorchKernels, torchKernelsStatus, unregisterTorchKernels } from '../src/index.js';

/**
 * Whether the native tests run. In CI (CI=true), where the setup script
 * installs libtorch, a missing addon is an error, not a skip.
 */
export function nativeAvailable(): boolean {
  const status = torchKernelsStatus();
  if (status.available) return true;
  if (process.env.CI === 'true') throw new Error(`CI: the libtorch addon must be built and load here: ${status.reason}`);
  console.warn(`[torch-kernels tests] skipped: ${status.reason}`);
  return false;
}

export async function setupBackends(): Promise<void> {
  await tf.setBackend('cpu');
  await tf.setBackend('wasm');
  await tf.ready();
}

/** Values of `fn`'s results on the wasm backend with the native kernels, and the native calls it made. */
export async function withNative(fn: () => tf.Tensor | tf.Tensor[]): Promise<{ values: Float32Array[]; calls: Record<string, number> }> {
  registerTorchKernels({ threads: 2 });
  const before = nativeCallCounts();
  const values = await valuesOn('wasm', fn);
  const after = nativeCallCounts();
  const calls = Object.fromEntries(Object.entries(after).filter(([k, v]) => v !== (before[k] ?? 0)).map(([k, v]) => [k, v - (before[k] ?? 0)]));
  return { values, calls };
}

/** Values of `fn`'s results on `backend` without the native kernels. */
export async function withoutNative(backend: 'wasm' | 'cpu', fn: () => tf.Tensor | tf.Tensor[]): Promise<Float32Array[]> {
  unregisterTorchKernels();
  try {
    return await valuesOn(backend, fn);
  } finally {
    await tf.setBackend('wasm');
  }
}

async function valuesOn(backend: string, fn: () => tf.Tensor | tf.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const out = tf.tidy(fn);
  const list = Array.isArray(out) ? out : [out];
  const values = await Promise.all(list.map(async (t) => Float32Array.from(await t.data())));
  tf.dispose(list);
  return values;
}

/** max |a - b| / max(1e-30, max |b|) over all entries. */
export function maxRelativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(a[i]) !== Number.isNaN(b[i])) return Number.POSITIVE_INFINITY;
    if (Number.isNaN(b[i])) continue;
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return scale === 0 ? diff : diff / scale;
}

export const rng = seededRandom;

export function randomInt(lo: number, hi: number, next: () => number): number {
  return lo + Math.floor(next() * (hi - lo + 1));
}

/**
 * Uniform values in [lo, hi) drawn now from the seeded generator; the returned
 * function makes a tensor of them on the active backend (call it inside the
 * compared function, so both backends see the same values).
 */
export function randomTensor(shape: number[], next: () => number, lo = -1, hi = 1): () => tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(size);
  for (let i = 0; i < size; i++) values[i] = lo + (hi - lo) * next();
  return () => tf.tensor(values, shape);
}

/** sum(y * sin(index)): a loss whose gradient dy differs in every element. */
export function weightedSum(y: tf.Tensor): tf.Scalar {
  return y.mul(tf.range(0, y.size).reshape(y.shape).sin()).sum();
}
