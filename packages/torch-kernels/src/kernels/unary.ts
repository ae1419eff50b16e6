/** Elementwise float32 functions of one tensor (Relu, Sqrt, Rsqrt, Step, LeakyRelu, ...) through ATen's vectorised loops. */
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
      // Step's alpha defaults to 0, LeakyRelu's to 0.2 (tfjs's defaults)
      const alpha = (args.attrs as { alpha?: number } | undefined)?.alpha ?? (name === 'LeakyRelu' ? 0.2 : 0);
      const out = output(args.backend, [...x.shape]);
      const be = args.backend;
      addon.unary(heapOf(be), name, offsetOf(be, x), size, offsetOf(be, out), alpha);
      return out;
    },
  };
}

export const unaryKernels: NativeKernel[] = ['Relu', 'Relu6', 'Square', 'Sqrt', 'Rsqrt', 'Exp', 'Log', 'Neg', 'Abs', 'Sigmoid', 'Tanh', 'LeakyRelu', 'Step'].map(unaryKernel);
