/** Transpose (any permutation) of a float32 tensor. */
import type * as tf from '@tensorflow/tfjs';
import { heapOf, MIN_NATIVE_ELEMENTS, offsetOf, output, sizeOf } from '../heap.js';
import type { NativeKernel } from './types.js';

export const transpose: NativeKernel = {
  name: 'Transpose',
  make: (addon, stock) => (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { perm } = args.attrs as { perm: number[] };
    if (x.dtype !== 'float32' || sizeOf(x.shape) < MIN_NATIVE_ELEMENTS) return (stock as tf.KernelFunc)(args);
    const out = output(args.backend, perm.map((p) => x.shape[p]));
    const be = args.backend;
    addon.transpose(heapOf(be), offsetOf(be, x), x.shape, perm, offsetOf(be, out));
    return out;
  },
};
