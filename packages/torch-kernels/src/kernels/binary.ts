/** Add, Sub, Multiply, RealDiv, Maximum, Minimum, SquaredDifference, Pow on float32 with numpy broadcasting, through ATen. */
import * as tf from '@tensorflow/tfjs';
import { allFloat, heapOf, MIN_NATIVE_ELEMENTS, offsetOf, output, sizeOf } from '../heap.js';
import type { NativeKernel } from './types.js';

function binaryKernel(name: string): NativeKernel {
  return {
    name,
    make: (addon, stock) => (args) => {
      const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      const shape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
      if (!allFloat(a, b) || sizeOf(shape) < MIN_NATIVE_ELEMENTS) return (stock as tf.KernelFunc)(args);
      const out = output(args.backend, shape);
      const be = args.backend;
      addon.binary(heapOf(be), name, offsetOf(be, a), a.shape, offsetOf(be, b), b.shape, offsetOf(be, out), shape);
      return out;
    },
  };
}

export const binaryKernels: NativeKernel[] = ['Add', 'Sub', 'Multiply', 'RealDiv', 'Maximum', 'Minimum', 'SquaredDifference', 'Pow'].map(binaryKernel);
