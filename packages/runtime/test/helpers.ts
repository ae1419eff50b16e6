import { seededRandom } from '@trajectorynet/core';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/index.js';

/** Registers both backends (with our kernels) once, and leaves wasm active. */
export async function setupBackends(): Promise<void> {
  await initBackend({ prefer: 'cpu', log: null });
  await initBackend({ prefer: 'wasm', log: null });
}

/** Runs `fn` on `backend` and returns plain arrays of its results (tensors disposed). */
export async function onBackend(backend: 'wasm' | 'cpu', fn: () => tf.Tensor | tf.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const out = tf.tidy(fn);
  const list = Array.isArray(out) ? out : [out];
  const values = await Promise.all(list.map(async (t) => Float32Array.from(await t.data())));
  tf.dispose(list);
  return values;
}

/** max |a - b| / max |b|: the relative error used against the reference. */
export function maxRelativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return scale === 0 ? diff : diff / scale;
}

/** Deterministic pseudo-random numbers (core's seeded generator). */
export const rng = seededRandom;

export function randomArray(n: number, next: () => number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = next() * 2 - 1;
  return a;
}

export function randomInt(lo: number, hi: number, next: () => number): number {
  return lo + Math.floor(next() * (hi - lo + 1));
}
