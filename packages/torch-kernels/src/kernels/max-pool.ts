/**
 * MaxPoolGrad (NHWC) through ATen: the gradient goes to the first maximum of
 * each window, as tfjs's. The forward MaxPool stays stock: wasm's is faster
 * (9 vs 67 ms on [16, 56, 56, 64], 3x3 stride 2).
 */
import type * as tf from '@tensorflow/tfjs';
import { heapOf, MIN_NATIVE_ELEMENTS, offsetOf, output, sizeOf } from '../heap.js';
import { type PoolAttrs, poolGeometry } from './pool-geometry.js';
import type { NativeKernel } from './types.js';

export const maxPoolGrad: NativeKernel = {
  name: 'MaxPoolGrad',
  make: (addon, stock) => (args) => {
    const { dy, input } = args.inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
    const g = poolGeometry(input.shape, args.attrs as unknown as PoolAttrs);
    if (input.dtype !== 'float32' || g == null || sizeOf(input.shape) < MIN_NATIVE_ELEMENTS) return (stock as tf.KernelFunc)(args);
    const dx = output(args.backend, [...input.shape]);
    const be = args.backend;
    addon.maxPoolGrad(heapOf(be), offsetOf(be, dy), dy.shape, offsetOf(be, input), input.shape, offsetOf(be, dx), g.kernel, g.strides, g.pads, g.ceil);
    return dx;
  },
};
