/** AvgPool (NHWC) through ATen; padding is not counted in the average, as in tfjs. */
import type * as tf from '@tensorflow/tfjs';
import { heapOf, MIN_NATIVE_ELEMENTS, offsetOf, output, sizeOf } from '../heap.js';
import { type PoolAttrs, poolGeometry } from './pool-geometry.js';
import type { NativeKernel } from './types.js';

export const avgPool: NativeKernel = {
  name: 'AvgPool',
  make: (addon, stock) => (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const g = poolGeometry(x.shape, args.attrs as unknown as PoolAttrs);
    if (x.dtype !== 'float32' || g == null || sizeOf(x.shape) < MIN_NATIVE_ELEMENTS) return (stock as tf.KernelFunc)(args);
    const y = output(args.backend, g.outShape);
    const be = args.backend;
    addon.avgPool(heapOf(be), offsetOf(be, x), x.shape, offsetOf(be, y), y.shape, g.kernel, g.strides, g.pads, g.ceil);
    return y;
  },
};
