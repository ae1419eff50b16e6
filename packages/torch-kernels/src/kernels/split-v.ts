/** SplitV of a float32 tensor along one axis (Concat's gradient): all pieces in one native call. */
import * as tf from '@tensorflow/tfjs';
import { heapOf, MIN_NATIVE_ELEMENTS, offsetOf, output, sizeOf } from '../heap.js';
import type { NativeKernel } from './types.js';

export const splitV: NativeKernel = {
  name: 'SplitV',
  make: (addon, stock) => (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    if (x.dtype !== 'float32' || sizeOf(x.shape) < MIN_NATIVE_ELEMENTS) return (stock as tf.KernelFunc)(args);
    const { numOrSizeSplits, axis } = args.attrs as { numOrSizeSplits: number | number[]; axis: number };
    const $axis = tf.util.parseAxisParam(axis, x.shape)[0];
    const sizes = tf.backend_util.prepareSplitSize(x, numOrSizeSplits, $axis);
    const outs = sizes.map((s) => output(args.backend, x.shape.map((d, i) => (i === $axis ? s : d))));
    const be = args.backend;
    addon.splitV(heapOf(be), offsetOf(be, x), x.shape, $axis, sizes, outs.map((o) => offsetOf(be, o)));
    return outs;
  },
};
