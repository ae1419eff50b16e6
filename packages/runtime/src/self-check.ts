/**
 * A quick check that training works on the active backend: the gradients of a
 * small conv -> depthwise conv -> max-pool -> gather network (which exercise
 * the kernels this package adds, and under wasm the native libtorch conv2d,
 * its backprops and relu when they are on) are compared with the plain cpu
 * backend's.
 */
import * as tf from '@tensorflow/tfjs';
import { activeNativeKernels } from './backend.js';
import { registerRuntimeKernels } from './kernels/register.js';

export interface SelfCheckResult {
  backend: string;
  /** The native kernels' library when they ran in the check (e.g. 'libtorch 1.13.1'), else null. */
  native: string | null;
  /** Largest |a - b| / max(1, |b|) over all gradient entries, active backend vs cpu. */
  maxRelativeError: number;
  /** Tensors alive after the check minus before (0 when nothing leaks). */
  leakedTensors: number;
  ok: boolean;
}

function lossAndGrads(x: tf.Tensor4D, filter: tf.Tensor4D, depthwise: tf.Tensor4D, rows: tf.Tensor1D) {
  const f = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => {
    const conv = tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, [2, 1], 'same');
    const dw = tf.depthwiseConv2d(tf.relu(conv), c as tf.Tensor4D, 1, 'valid');
    const pooled = tf.maxPool(dw, 2, 2, 'valid');
    const flat = pooled.reshape([pooled.shape[0] * pooled.shape[1], -1]);
    return tf.gather(flat, rows).square().sum();
  };
  return tf.grads(f)([x, filter, depthwise]);
}

/** Runs the check and restores the active backend. Tolerance: 1e-4 relative (float32 sums of ~100 terms). */
export async function selfCheck(): Promise<SelfCheckResult> {
  const backend = tf.getBackend();
  registerRuntimeKernels('cpu'); // the reference, with our cpu kernel fixes
  const before = tf.memory().numTensors;
  const seeded = (shape: number[], seed: number) => tf.randomUniform(shape, -1, 1, 'float32', seed);
  const inputs = () => [
    // the conv's output, [2, 32, 64, 4], is just large enough for the native kernels (16384 elements)
    seeded([2, 64, 64, 3], 1) as tf.Tensor4D,
    seeded([3, 3, 3, 4], 2) as tf.Tensor4D,
    seeded([2, 2, 4, 1], 3) as tf.Tensor4D,
    tf.tensor1d([0, 2, 2, 3], 'int32'),
  ] as const;
  const run = async (name: string) => {
    await tf.setBackend(name);
    const grads = tf.tidy(() => lossAndGrads(...inputs()));
    const values = await Promise.all(grads.map((g) => g.data()));
    tf.dispose(grads);
    return values;
  };
  try {
    const active = await run(backend);
    const reference = await run('cpu');
    let maxRelativeError = 0;
    active.forEach((a, i) => {
      for (let j = 0; j < a.length; j++) {
        const b = reference[i][j];
        maxRelativeError = Math.max(maxRelativeError, Math.abs(a[j] - b) / Math.max(1, Math.abs(b)));
      }
    });
    const leakedTensors = tf.memory().numTensors - before;
    const native = backend === 'wasm' ? (activeNativeKernels()?.library ?? null) : null;
    return { backend, native, maxRelativeError, leakedTensors, ok: maxRelativeError < 1e-4 && leakedTensors === 0 };
  } finally {
    await tf.setBackend(backend);
  }
}
