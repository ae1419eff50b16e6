/**
 * ResizeBilinearGrad (NHWC, every alignCorners / halfPixelCenters mode): the
 * loop of @trajectorynet/runtime's kernel (the exact adjoint of tfjs's
 * forward) in C++, images in parallel; the same float32 results.
 */
import type * as tf from '@tensorflow/tfjs';
import { allFloat, heapOf, MIN_NATIVE_ELEMENTS, offsetOf, output, sizeOf } from '../heap.js';
import type { NativeKernel } from './types.js';

export const resizeBilinearGrad: NativeKernel = {
  name: 'ResizeBilinearGrad',
  make: (addon, stock) => (args) => {
    const { images, dy } = args.inputs as { images: tf.TensorInfo; dy: tf.TensorInfo };
    const { alignCorners, halfPixelCenters = false } = args.attrs as { alignCorners: boolean; halfPixelCenters?: boolean };
    if (!allFloat(images, dy) || Math.max(sizeOf(images.shape), sizeOf(dy.shape)) < MIN_NATIVE_ELEMENTS) return (stock as tf.KernelFunc)(args);
    const dx = output(args.backend, [...images.shape]);
    const be = args.backend;
    addon.resizeBilinearGrad(heapOf(be), offsetOf(be, dy), dy.shape, offsetOf(be, dx), images.shape, alignCorners, halfPixelCenters);
    return dx;
  },
};
