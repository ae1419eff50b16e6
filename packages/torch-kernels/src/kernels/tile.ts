/** Tile (BatchNorm's gradient broadcasts use it heavily) as one broadcast copy. */
import type * as tf from '@tensorflow/tfjs';
import { heapOf, MIN_NATIVE_ELEMENTS, offsetOf, output, sizeOf } from '../heap.js';
import type { NativeKernel } from './types.js';

export const tile: NativeKernel = {
  name: 'Tile',
  make: (addon, stock) => (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { reps } = args.attrs as { reps: number[] };
    const shape = x.shape.map((d, i) => d * reps[i]);
    if (x.dtype !== 'float32' || reps.length !== x.shape.length || sizeOf(shape) < MIN_NATIVE_ELEMENTS) return (stock as tf.KernelFunc)(args);
    const out = output(args.backend, shape);
    const be = args.backend;
    addon.tile(heapOf(be), offsetOf(be, x), x.shape, reps, offsetOf(be, out));
    return out;
  },
};
