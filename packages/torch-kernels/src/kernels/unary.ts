/**
 * Elementwise float32 functions of one tensor (Relu, Sqrt, Rsqrt, LeakyRelu,
 * ...) through ATen's vectorised loops. Step and Square stay stock: wasm's are
 * faster (measured on [16, 56, 56, 64]: 1.3 vs 5.2 ms and 0.7 vs 1.6 ms).
 */
import type * as tf from '@tensorflow/tfjs';
import { heapOf, MIN_NATIVE_ELEMENTS, offsetOf, output, sizeOf } from '../heap.js';
import type { NativeKernel } from './types.js';

function unaryKernel(name: string): NativeKernel {
  return {
    name,
    make: (addon, stock) => (args) => {
      const { x } = args.inputs as { x: tf.TensorInfo };
      const size = sizeOf(x.shape);
      if (x.dtype !== 'float32' || size < MIN_NATIVE_ELEMENTS) return (stock as tf.KernelFunc)(args);
      const alpha = (args.attrs as { alpha?: number } | undefined)?.alpha ?? 0.2; // LeakyRelu's only attribute, tfjs's default
      const out = output(args.backend, [...x.shape]);
      const be = args.backend;
      addon.unary(heapOf(be), name, offsetOf(be, x), size, offsetOf(be, out), alpha);
      return out;
    },
  };
}

export const unaryKernels: NativeKernel[] = ['Relu', 'Relu6', 'Sqrt', 'Rsqrt', 'Exp', 'Log', 'Neg', 'Abs', 'Sigmoid', 'Tanh', 'LeakyRelu'].map(unaryKernel);
