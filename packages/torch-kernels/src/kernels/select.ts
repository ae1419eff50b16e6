/**
 * Select (tf.where) of float32 tensors by a bool condition of the same shape,
 * through ATen. A rank-1 condition picking whole rows stays stock (tf.where
 * broadcasts the three to one shape first, so it is rare).
 */
import type * as tf from '@tensorflow/tfjs';
import { heapOf, MIN_NATIVE_ELEMENTS, offsetOf, output, sizeOf } from '../heap.js';
import type { NativeKernel } from './types.js';

const sameShape = (a: number[], b: number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

export const select: NativeKernel = {
  name: 'Select',
  make: (addon, stock) => (args) => {
    const { condition, t, e } = args.inputs as { condition: tf.TensorInfo; t: tf.TensorInfo; e: tf.TensorInfo };
    const size = sizeOf(t.shape);
    if (condition.dtype !== 'bool' || t.dtype !== 'float32' || e.dtype !== 'float32' || !sameShape(condition.shape, t.shape) || !sameShape(e.shape, t.shape) || size < MIN_NATIVE_ELEMENTS) {
      return (stock as tf.KernelFunc)(args);
    }
    const out = output(args.backend, [...t.shape]);
    const be = args.backend;
    addon.select(heapOf(be), offsetOf(be, condition), offsetOf(be, t), offsetOf(be, e), size, offsetOf(be, out));
    return out;
  },
};
