/**
 * Greater, GreaterEqual, Less, LessEqual of float32 tensors (numpy
 * broadcasting) into a bool tensor (one byte per element on the wasm heap),
 * through ATen. LeakyReLU's and Pow's gradients run Greater.
 */
import * as tf from '@tensorflow/tfjs';
import { allFloat, heapOf, MIN_NATIVE_ELEMENTS, offsetOf, output, sizeOf } from '../heap.js';
import type { NativeKernel } from './types.js';

function compareKernel(name: string): NativeKernel {
  return {
    name,
    make: (addon, stock) => (args) => {
      const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      const shape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
      if (!allFloat(a, b) || sizeOf(shape) < MIN_NATIVE_ELEMENTS) return (stock as tf.KernelFunc)(args);
      const out = output(args.backend, shape, 'bool');
      const be = args.backend;
      addon.compare(heapOf(be), name, offsetOf(be, a), a.shape, offsetOf(be, b), b.shape, offsetOf(be, out), shape);
      return out;
    },
  };
}

export const compareKernels: NativeKernel[] = ['Greater', 'GreaterEqual', 'Less', 'LessEqual'].map(compareKernel);
