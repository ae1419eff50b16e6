/** Conv2DBackpropFilter (the filter gradient of conv2d) through ATen's convolution_backward. */
import type * as tf from '@tensorflow/tfjs';
import { allFloat, heapOf, MIN_NATIVE_ELEMENTS, offsetOf, output, sizeOf } from '../heap.js';
import { type ConvAttrs, convGeometry, nativeConvOk } from './conv-geometry.js';
import type { NativeKernel } from './types.js';

// standalone: wasm 4.22 has no Conv2DBackpropFilter (@trajectorynet/runtime adds one)
export const conv2dBackpropFilter: NativeKernel = {
  name: 'Conv2DBackpropFilter',
  standalone: true,
  make: (addon, stock) => (args) => {
    const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const attrs = args.attrs as unknown as ConvAttrs & { filterShape: number[] };
    const g = convGeometry(x.shape, attrs.filterShape, attrs);
    const sameShape = g.outShape.every((d, i) => d === dy.shape[i]);
    const usable = allFloat(x, dy) && sameShape && nativeConvOk(attrs, g);
    if (stock != null && (!usable || sizeOf(dy.shape) < MIN_NATIVE_ELEMENTS)) return stock(args);
    if (!usable) throw new Error(`Conv2DBackpropFilter (libtorch): unsupported input (${attrs.dataFormat ?? 'NHWC'}, ${x.dtype}, pads ${g.pads})`);
    const dw = output(args.backend, [...attrs.filterShape]);
    const b = args.backend;
    addon.conv2dBackpropFilter(heapOf(b), offsetOf(b, x), x.shape, offsetOf(b, dy), dy.shape, offsetOf(b, dw), dw.shape, g.strides, g.pads, g.dilations);
    return dw;
  },
};
