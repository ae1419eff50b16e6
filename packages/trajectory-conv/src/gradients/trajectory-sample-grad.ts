/** The gradient of TrajectorySample: into the features and into the offsets (so flow networks learn end to end). */
import * as tf from '@tensorflow/tfjs';
import { TRAJECTORY_SAMPLE, TRAJECTORY_SAMPLE_GRAD_OFFSETS, TRAJECTORY_SAMPLE_GRAD_X } from '../kernels/trajectory-sample.js';

export const trajectorySampleGradient: tf.GradConfig = {
  kernelName: TRAJECTORY_SAMPLE,
  inputsToSave: ['x', 'offsets'],
  gradFunc: (dy, saved, attrs) => {
    const [x, offsets] = saved;
    const inputs = { dy: dy as tf.Tensor, offsets, x };
    return {
      x: () => tf.engine().runKernel(TRAJECTORY_SAMPLE_GRAD_X, inputs, attrs) as tf.Tensor,
      offsets: () => tf.engine().runKernel(TRAJECTORY_SAMPLE_GRAD_OFFSETS, inputs, attrs) as tf.Tensor,
    };
  },
};
