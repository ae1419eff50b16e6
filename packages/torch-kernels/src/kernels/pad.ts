/** PadV2: constant padding of a float32 tensor. */
import type * as tf from '@tensorflow/tfjs';
import { heapOf, MIN_NATIVE_ELEMENTS, offsetOf, output, sizeOf } from '../heap.js';
import type { NativeKernel } from './types.js';

export const pad: NativeKernel = {
  name: 'PadV2',
  make: (addon, stock) => (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { paddings, constantValue } = args.attrs as { paddings: [number, number][]; constantValue: number };
    const shape = x.shape.map((d, i) => paddings[i][0] + d + paddings[i][1]);
    if (x.dtype !== 'float32' || sizeOf(shape) < MIN_NATIVE_ELEMENTS || sizeOf(x.shape) === 0) return (stock as tf.KernelFunc)(args);
    const out = output(args.backend, shape);
    const be = args.backend;
    addon.pad(heapOf(be), offsetOf(be, x), x.shape, paddings.map((p) => p[0]), paddings.map((p) => p[1]), constantValue, offsetOf(be, out));
    return out;
  },
};
