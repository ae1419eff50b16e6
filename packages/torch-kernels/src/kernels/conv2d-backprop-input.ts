/** Conv2DBackpropInput (the input gradient of conv2d) through ATen's convolution_backward. */
import type * as tf from '@tensorflow/tfjs';
import { allFloat, heapOf, MIN_NATIVE_ELEMENTS, offsetOf, output, sizeOf } from '../heap.js';
import { type ConvAttrs, convGeometry, nativeConvOk } from './conv-geometry.js';
import type { NativeKernel } from './types.js';

export const conv2dBackpropInput: NativeKernel = {
  name: 'Conv2DBackpropInput',
  make: (addon, stock) => (args) => {
    const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const attrs = args.attrs as unknown as ConvAttrs & { inputShape: number[] };
    const g = convGeometry(attrs.inputShape, filter.shape, attrs);
    const sameShape = g.outShape.every((d, i) => d === dy.shape[i]);
    if (!allFloat(dy, filter) || !sameShape || !nativeConvOk(attrs, g) || sizeOf(attrs.inputShape) < MIN_NATIVE_ELEMENTS) {
      return (stock as tf.KernelFunc)(args);
    }
    const dx = output(args.backend, [...attrs.inputShape]);
    const b = args.backend;
    addon.conv2dBackpropInput(heapOf(b), offsetOf(b, dy), dy.shape, offsetOf(b, filter), filter.shape, offsetOf(b, dx), dx.shape, g.strides, g.pads, g.dilations);
    return dx;
  },
};
