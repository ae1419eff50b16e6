/** FusedBatchNorm (normalise with given statistics, channels last) in one native pass. */
import type * as tf from '@tensorflow/tfjs';
import { allFloat, heapOf, MIN_NATIVE_ELEMENTS, offsetOf, output, sizeOf } from '../heap.js';
import type { NativeKernel } from './types.js';

export const fusedBatchNorm: NativeKernel = {
  name: 'FusedBatchNorm',
  make: (addon, stock) => (args) => {
    const { x, mean, variance, offset, scale } = args.inputs as Record<'x' | 'mean' | 'variance', tf.TensorInfo> & { offset?: tf.TensorInfo; scale?: tf.TensorInfo };
    const c = x.shape[x.shape.length - 1];
    const perChannel = [mean, variance, offset, scale].every((t) => t == null || sizeOf(t.shape) === c);
    if (!allFloat(x, mean, variance, offset, scale) || !perChannel || sizeOf(x.shape) < MIN_NATIVE_ELEMENTS) return (stock as tf.KernelFunc)(args);
    const { varianceEpsilon } = args.attrs as { varianceEpsilon: number };
    const out = output(args.backend, [...x.shape]);
    const be = args.backend;
    const at = (t?: tf.TensorInfo) => (t == null ? -1 : offsetOf(be, t));
    addon.batchNorm(heapOf(be), offsetOf(be, x), sizeOf(x.shape), c, at(mean), at(variance), at(offset), at(scale), varianceEpsilon, offsetOf(be, out));
    return out;
  },
};
