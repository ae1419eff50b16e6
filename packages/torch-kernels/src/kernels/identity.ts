/**
 * Identity without a copy: the output shares the input's memory (the cpu
 * backend does the same); wasm 4.22 copies every value, and a training step
 * makes ~1,600 Identity calls (gradients passed through unchanged).
 */
import type * as tf from '@tensorflow/tfjs';
import type { NativeKernel } from './types.js';

export const identity: NativeKernel = {
  name: 'Identity',
  make: () => (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    (args.backend as { incRef(dataId: object): void }).incRef(x.dataId);
    return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
  },
};
