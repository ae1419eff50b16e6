/** Slice of a float32 tensor (begin, size; size -1 = to the end). */
import * as tf from '@tensorflow/tfjs';
import { heapOf, MIN_NATIVE_ELEMENTS, offsetOf, output, sizeOf } from '../heap.js';
import type { NativeKernel } from './types.js';

export const slice: NativeKernel = {
  name: 'Slice',
  make: (addon, stock) => (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { begin, size } = args.attrs as { begin: number | number[]; size: number | number[] };
    const [start, extent] = tf.slice_util.parseSliceParams(x as unknown as tf.Tensor, begin, size);
    if (x.dtype !== 'float32' || sizeOf(extent) < MIN_NATIVE_ELEMENTS) return (stock as tf.KernelFunc)(args);
    const out = output(args.backend, extent);
    const be = args.backend;
    addon.slice(heapOf(be), offsetOf(be, x), x.shape, start, extent, offsetOf(be, out));
    return out;
  },
};
