/** Add, Sub, Multiply, RealDiv, Maximum, Minimum, SquaredDifference, Pow on float32 with numpy broadcasting, through ATen. */
import * as tf from '@tensorflow/tfjs';
import { allFloat, heapOf, MIN_NATIVE_ELEMENTS, offsetOf, output, sizeOf } from '../heap.js';
import type { NativeKernel } from './types.js';

/**
 * A kernel of two float32 inputs with numpy broadcasting, run by the addon's
 * `call` ('binary': a float32 result; 'compare': a bool one); other dtypes and
 * small outputs go to the stock kernel.
 */
export function broadcastKernel(name: string, call: 'binary' | 'compare'): NativeKernel {
  return {
    name,
    make: (addon, stock) => (args) => {
      const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      const shape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
      if (!allFloat(a, b) || sizeOf(shape) < MIN_NATIVE_ELEMENTS) return (stock as tf.KernelFunc)(args);
      const be = args.backend;
      const out = output(be, shape, call === 'compare' ? 'bool' : 'float32');
      addon[call](heapOf(be), name, offsetOf(be, a), a.shape, offsetOf(be, b), b.shape, offsetOf(be, out), shape);
      return out;
    },
  };
}

export const binaryKernels: NativeKernel[] = ['Add', 'Sub', 'Multiply', 'RealDiv', 'Maximum', 'Minimum', 'SquaredDifference', 'Pow'].map((name) => broadcastKernel(name, 'binary'));
