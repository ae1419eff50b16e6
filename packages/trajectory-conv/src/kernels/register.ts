/**
 * Registers the trajectory-sampling kernels on the backends whose data lives
 * in JS memory (cpu, wasm; webgl too for now, reading its inputs back from
 * the GPU: correct, not fast) and the op's gradient, where no kernel of
 * that name is registered (native ones from @trajectorynet/torch-kernels stay).
 * tfjs-node ('tensorflow', CPU or CUDA) gets none: there trajectorySample runs
 * its composite of TensorFlow's own ops, which stays on the device.
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

const BACKENDS = ['cpu', 'wasm', 'webgl'];
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
