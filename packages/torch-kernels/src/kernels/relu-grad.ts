/**
 * `ReluGrad` (dy, x) -> dy where x > 0, else 0: ReLU's backward as one ATen
 * threshold_backward, for the gradient this package puts on Relu
 * (gradients.ts). tfjs's own gradient is three kernels over the whole tensor
 * (Step, Cast, Multiply), two of them stock wasm.
 */
import type * as tf from '@tensorflow/tfjs';
import { allFloat, heapOf, offsetOf, output } from '../heap.js';
import type { NativeKernel } from './types.js';

export const RELU_GRAD = 'ReluGrad';

export const reluGrad: NativeKernel = {
  name: RELU_GRAD,
  standalone: true,
  make: (addon) => (args) => {
    const { dy, x } = args.inputs as { dy: tf.TensorInfo; x: tf.TensorInfo };
    if (!allFloat(dy, x) || dy.shape.join() !== x.shape.join()) throw new Error(`${RELU_GRAD}: float32 dy and x of one shape expected, got ${dy.dtype} [${dy.shape}] and ${x.dtype} [${x.shape}]`);
    const be = args.backend;
    const out = output(be, [...x.shape]);
    addon.binary(heapOf(be), RELU_GRAD, offsetOf(be, dy), dy.shape, offsetOf(be, x), x.shape, offsetOf(be, out), x.shape);
    return out;
  },
};
