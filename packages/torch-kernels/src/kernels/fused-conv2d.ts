/**
 * FusedConv2D (conv2d + bias + linear/relu/leakyrelu, what tfjs-layers' conv2d
 * runs): the native conv2d, then the bias and the activation in place, also
 * native. Other activations and biases not of length Cout use the stock kernel.
 */
import type * as tf from '@tensorflow/tfjs';
import { allFloat, heapOf, MIN_NATIVE_ELEMENTS, offsetOf, output, sizeOf } from '../heap.js';
import { type ConvAttrs, convGeometry, nativeConvOk } from './conv-geometry.js';
import type { NativeKernel } from './types.js';

const ACTIVATIONS: Record<string, string | null> = { linear: null, relu: 'Relu', leakyrelu: 'LeakyRelu' };

export const fusedConv2d: NativeKernel = {
  name: 'FusedConv2D',
  make: (addon, stock) => (args) => {
    const { x, filter, bias, preluActivationWeights } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo; bias?: tf.TensorInfo; preluActivationWeights?: tf.TensorInfo };
    const attrs = args.attrs as unknown as ConvAttrs & { activation?: string; leakyreluAlpha?: number };
    const activation = attrs.activation ?? 'linear';
    const g = convGeometry(x.shape, filter.shape, attrs);
    const cout = filter.shape[3];
    const biasOk = bias == null || sizeOf(bias.shape) === cout;
    if (!allFloat(x, filter, bias) || !biasOk || preluActivationWeights != null || !(activation in ACTIVATIONS) || !nativeConvOk(attrs, g) || sizeOf(g.outShape) < MIN_NATIVE_ELEMENTS) {
      return (stock as tf.KernelFunc)(args);
    }
    const y = output(args.backend, g.outShape);
    const b = args.backend;
    const heap = heapOf(b);
    const out = offsetOf(b, y);
    addon.conv2d(heap, offsetOf(b, x), x.shape, offsetOf(b, filter), filter.shape, out, y.shape, g.strides, g.pads, g.dilations);
    if (bias != null) addon.binary(heap, 'Add', out, y.shape, offsetOf(b, bias), [cout], out, y.shape);
    const unary = ACTIVATIONS[activation];
    if (unary != null) addon.unary(heap, unary, out, sizeOf(y.shape), out, attrs.leakyreluAlpha ?? 0.2);
    return y;
  },
};
