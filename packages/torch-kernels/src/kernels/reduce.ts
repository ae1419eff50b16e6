/** Sum, Mean, Max and Min over axes of a float32 tensor, through ATen. Max names its axes `reductionIndices`. */
import * as tf from '@tensorflow/tfjs';
import { heapOf, MIN_NATIVE_ELEMENTS, offsetOf, output, sizeOf } from '../heap.js';
import type { NativeKernel } from './types.js';

function reduceKernel(name: string): NativeKernel {
  return {
    name,
    make: (addon, stock) => (args) => {
      const { x } = args.inputs as { x: tf.TensorInfo };
      const { axis, reductionIndices, keepDims } = args.attrs as { axis?: number | number[]; reductionIndices?: number | number[]; keepDims: boolean };
      if (x.dtype !== 'float32' || sizeOf(x.shape) < MIN_NATIVE_ELEMENTS) return (stock as tf.KernelFunc)(args);
      const axes = [...new Set(tf.util.parseAxisParam((axis ?? reductionIndices) as number | number[], x.shape))];
      const shape = x.shape.flatMap((d, i) => (axes.includes(i) ? (keepDims ? [1] : []) : [d]));
      const out = output(args.backend, shape);
      const be = args.backend;
      addon.reduce(heapOf(be), name, offsetOf(be, x), x.shape, axes, offsetOf(be, out));
      return out;
    },
  };
}

export const reduceKernels: NativeKernel[] = ['Sum', 'Mean', 'Max', 'Min'].map(reduceKernel);
