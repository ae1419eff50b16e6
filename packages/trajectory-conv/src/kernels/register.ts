/**
 * Registers the trajectory-sampling kernels on the backends that can run JS
 * kernels (cpu, wasm, tensorflow) and the op's gradient. Idempotent; the ops
 * call it, so users never need to.
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

let registered = false;

export function registerTrajectoryKernels(): void {
  if (registered) return;
  for (const backendName of BACKENDS) {
    for (const [kernelName, kernelFunc] of KERNELS) {
      if (tf.getKernel(kernelName, backendName) == null) tf.registerKernel({ kernelName, backendName, kernelFunc });
    }
  }
  if (tf.getGradient(TRAJECTORY_SAMPLE) == null) tf.registerGradient(trajectorySampleGradient);
  registered = true;
}
