/**
 * Registers the trajectory-sampling kernels on the backends that can run JS
 * kernels (cpu, wasm, tensorflow) and the op's gradient, where no kernel of
 * that name is registered (native ones from @trajectorynet/torch-kernels stay).
 * Idempotent and cheap; the ops call it each time, so users never need to, and
 * the kernels come back if native ones were taken off.
 */
import * as tf from '@tensorflow/tfjs';
import { trajectorySampleGradient } from '../gradients/trajectory-sample-grad.js';
import {
  TRAJECTORY_SAMPLE,
  TRAJECTORY_SAMPLE_GRAD_OFFSETS,
  TRAJECTORY_SAMPLE_GRAD_X,
  trajectorySampleGradOffsetsKernel,
  trajectorySampleGradXKernel,
  trajectorySampleKernel,
} from './trajectory-sample.js';

const BACKENDS = ['cpu', 'wasm', 'tensorflow'];
const KERNELS: [string, tf.KernelFunc][] = [
  [TRAJECTORY_SAMPLE, trajectorySampleKernel],
  [TRAJECTORY_SAMPLE_GRAD_X, trajectorySampleGradXKernel],
  [TRAJECTORY_SAMPLE_GRAD_OFFSETS, trajectorySampleGradOffsetsKernel],
];

export function registerTrajectoryKernels(): void {
  for (const backendName of BACKENDS) {
    for (const [kernelName, kernelFunc] of KERNELS) {
      if (tf.getKernel(kernelName, backendName) == null) tf.registerKernel({ kernelName, backendName, kernelFunc });
    }
  }
  if (tf.getGradient(TRAJECTORY_SAMPLE) == null) tf.registerGradient(trajectorySampleGradient);
}
