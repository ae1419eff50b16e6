/**
 * Registers the trajectory-sampling kernels and the op's gradient, where no
 * kernel of that name is registered (native ones from
 * @trajectorynet/torch-kernels stay): the JS kernels on the backends whose data
 * lives in JS memory (cpu, wasm), the shader programs on webgl and webgpu. tfjs-node
 * ('tensorflow', CPU or CUDA) gets none: there trajectorySample runs its
 * composite of TensorFlow's own ops, which stays on the device. On webgl also
 * the fused temporal and trajectory convs and the offsets' plumbing (inference
 * only: fused-conv-webgl.ts, offsets-webgl.ts). Idempotent and
 * cheap; the ops call it each time, so users never need to, and the kernels
 * come back if native ones were taken off.
 */
import * as tf from '@tensorflow/tfjs';
import { trajectorySampleGradient } from '../gradients/trajectory-sample-grad.js';
import { RESIZE_OFFSETS, resizeOffsetsWebGLKernel, TRAJECTORIES_FROM_FLOW, trajectoriesFromFlowWebGLKernel } from './offsets-webgl.js';
import { FUSED_TEMPORAL_CONV, FUSED_TRAJECTORY_CONV, fusedTemporalConvWebGLKernel, fusedTrajectoryConvWebGLKernel } from './fused-conv-webgl.js';
import {
  TRAJECTORY_SAMPLE,
  TRAJECTORY_SAMPLE_GRAD_OFFSETS,
  TRAJECTORY_SAMPLE_GRAD_X,
  trajectorySampleGradOffsetsKernel,
  trajectorySampleGradXKernel,
  trajectorySampleKernel,
} from './trajectory-sample.js';
import { trajectorySampleGradOffsetsWebGLKernel, trajectorySampleGradXWebGLKernel, trajectorySampleWebGLKernel } from './trajectory-sample-webgl.js';
import { trajectorySampleGradOffsetsWebGPUKernel, trajectorySampleWebGPUKernel } from './trajectory-sample-webgpu.js';

const JS_KERNELS: [string, tf.KernelFunc][] = [
  [TRAJECTORY_SAMPLE, trajectorySampleKernel],
  [TRAJECTORY_SAMPLE_GRAD_X, trajectorySampleGradXKernel],
  [TRAJECTORY_SAMPLE_GRAD_OFFSETS, trajectorySampleGradOffsetsKernel],
];
const WEBGL_KERNELS: [string, tf.KernelFunc][] = [
  [TRAJECTORY_SAMPLE, trajectorySampleWebGLKernel],
  [TRAJECTORY_SAMPLE_GRAD_X, trajectorySampleGradXWebGLKernel],
  [TRAJECTORY_SAMPLE_GRAD_OFFSETS, trajectorySampleGradOffsetsWebGLKernel],
  // inference only (no gradient): the ops take them when no gradient is being recorded
  [FUSED_TRAJECTORY_CONV, fusedTrajectoryConvWebGLKernel],
  [FUSED_TEMPORAL_CONV, fusedTemporalConvWebGLKernel],
  [TRAJECTORIES_FROM_FLOW, trajectoriesFromFlowWebGLKernel],
  [RESIZE_OFFSETS, resizeOffsetsWebGLKernel],
];
// no TrajectorySampleGradX: the gradient function takes the composite's atomic scatter there
const WEBGPU_KERNELS: [string, tf.KernelFunc][] = [
  [TRAJECTORY_SAMPLE, trajectorySampleWebGPUKernel],
  [TRAJECTORY_SAMPLE_GRAD_OFFSETS, trajectorySampleGradOffsetsWebGPUKernel],
];
const KERNELS_BY_BACKEND: Record<string, [string, tf.KernelFunc][]> = { cpu: JS_KERNELS, wasm: JS_KERNELS, webgl: WEBGL_KERNELS, webgpu: WEBGPU_KERNELS };


export function registerTrajectoryKernels(): void {
  for (const [backendName, kernels] of Object.entries(KERNELS_BY_BACKEND)) {
    for (const [kernelName, kernelFunc] of kernels) {
      if (tf.getKernel(kernelName, backendName) == null) tf.registerKernel({ kernelName, backendName, kernelFunc });
    }
  }
  if (tf.getGradient(TRAJECTORY_SAMPLE) == null) tf.registerGradient(trajectorySampleGradient);
}

/**
 * How trajectorySample runs on a backend (default: the current one): 'webgl
 * shaders', 'webgpu shaders', 'js kernel' (cpu, wasm), 'native kernel' (e.g. libtorch), or
 * 'composite of built-in ops' (any backend without a kernel of ours).
 */
export function trajectorySamplingPath(backendName: string = tf.getBackend()): string {
  registerTrajectoryKernels();
  const kernel = tf.getKernel(TRAJECTORY_SAMPLE, backendName)?.kernelFunc;
  if (kernel == null) return 'composite of built-in ops';
  if (kernel === trajectorySampleWebGLKernel) return 'webgl shaders';
  if (kernel === trajectorySampleWebGPUKernel) return 'webgpu shaders';
  if (kernel === trajectorySampleKernel) return 'js kernel';
  return 'native kernel';
}
