/** Conv2D: NHWC x, HWIO filter, through ATen (oneDNN). */
import type * as tf from '@tensorflow/tfjs';
import { allFloat, heapOf, MIN_NATIVE_ELEMENTS, offsetOf, output, sizeOf } from '../heap.js';
import { type ConvAttrs, convGeometry, nativeConvOk } from './conv-geometry.js';
import type { NativeKernel } from './types.js';

export const conv2d: NativeKernel = {
  name: 'Conv2D',
  make: (addon, stock) => (args) => {
    const { x, filter } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
    const attrs = args.attrs as unknown as ConvAttrs;
    const g = convGeometry(x.shape, filter.shape, attrs);
    if (!allFloat(x, filter) || !nativeConvOk(attrs, g) || sizeOf(g.outShape) < MIN_NATIVE_ELEMENTS) return (stock as tf.KernelFunc)(args);
    const y = output(args.backend, g.outShape);
    const b = args.backend;
    addon.conv2d(heapOf(b), offsetOf(b, x), x.shape, offsetOf(b, filter), filter.shape, offsetOf(b, y), y.shape, g.strides, g.pads, g.dilations);
    return y;
  },
};
