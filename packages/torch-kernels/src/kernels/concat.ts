/** Concat of float32 tensors along one axis. */
import * as tf from '@tensorflow/tfjs';
import { heapOf, MIN_NATIVE_ELEMENTS, offsetOf, output, sizeOf } from '../heap.js';
import type { NativeKernel } from './types.js';

export const concat: NativeKernel = {
  name: 'Concat',
  make: (addon, stock) => (args) => {
    const inputs = args.inputs as unknown as tf.TensorInfo[];
    const axis = tf.util.parseAxisParam((args.attrs as { axis: number | number[] }).axis, inputs[0].shape)[0];
    const shapes = inputs.map((t) => t.shape);
    const shape = tf.backend_util.computeOutShape(shapes, axis);
    if (inputs.some((t) => t.dtype !== 'float32' || sizeOf(t.shape) === 0) || sizeOf(shape) < MIN_NATIVE_ELEMENTS) return (stock as tf.KernelFunc)(args);
    const out = output(args.backend, shape);
    const be = args.backend;
    addon.concat(heapOf(be), inputs.map((t) => offsetOf(be, t)), shapes, axis, offsetOf(be, out), shape);
    return out;
  },
};
