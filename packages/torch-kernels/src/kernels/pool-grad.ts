/**
 * MaxPoolGrad and AvgPoolGrad (NHWC) through ATen. Max: the gradient goes to
 * the first maximum of each window, as tfjs's. Average: padding is not counted,
 * as in tfjs's forward (tfjs's own AvgPoolGrad divides by the whole window at
 * 'same' borders, which is not the gradient of its forward; this one is).
 */
import type * as tf from '@tensorflow/tfjs';
import { heapOf, MIN_NATIVE_ELEMENTS, offsetOf, output, sizeOf } from '../heap.js';
import { type PoolAttrs, poolGeometry } from './pool-geometry.js';
import type { NativeKernel } from './types.js';

function poolGradKernel(name: string, fn: 'maxPoolGrad' | 'avgPoolGrad'): NativeKernel {
  return {
    name,
    make: (addon, stock) => (args) => {
      const { dy, input } = args.inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
      const g = poolGeometry(input.shape, args.attrs as unknown as PoolAttrs);
      if (input.dtype !== 'float32' || g == null || sizeOf(input.shape) < MIN_NATIVE_ELEMENTS) return (stock as tf.KernelFunc)(args);
      const dx = output(args.backend, [...input.shape]);
      const be = args.backend;
      addon[fn](heapOf(be), offsetOf(be, dy), dy.shape, offsetOf(be, input), input.shape, offsetOf(be, dx), g.kernel, g.strides, g.pads, g.ceil);
      return dx;
    },
  };
}

export const maxPoolGrad = poolGradKernel('MaxPoolGrad', 'maxPoolGrad');
export const avgPoolGrad = poolGradKernel('AvgPoolGrad', 'avgPoolGrad');
