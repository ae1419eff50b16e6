/**
 * When the ops run an inference-only fused kernel (kernels/fused-conv-webgl.ts
 * and kernels/offsets-webgl.ts, WebGL only): the backend has it and no
 * gradient is being recorded. The fused kernels have no gradient, so under
 * `tf.grad`, `variableGrads` or a `fit` (tfjs's engine counts the gradient
 * scopes it is in) the ops run their composite of differentiable ops instead.
 */
import * as tf from '@tensorflow/tfjs';
import type { FusedConvAttrs } from '../kernels/fused-conv-webgl.js';
import { registerTrajectoryKernels } from '../kernels/register.js';
import type { ConvOptions } from './trajectory-conv.js';

/** The current backend has the fused kernel `name` and nothing records a gradient now. */
export function fusedKernelHere(name: string): boolean {
  registerTrajectoryKernels();
  return tf.getKernel(name, tf.getBackend()) != null && tf.engine().state.gradientDepth === 0;
}

/** Runs fused kernel `name` (inputs checked by the op): x, offsets (trajectory) or null, kernel, and the options' bias and residual. */
export function runFusedConv(name: string, x: tf.Tensor, offsets: tf.Tensor | null, kernel: tf.Tensor, options: ConvOptions): tf.Tensor {
  const inputs: Record<string, tf.Tensor> = { x, kernel };
  if (offsets != null) inputs.offsets = offsets;
  if (options.bias != null) inputs.bias = options.bias;
  if (options.residual != null) inputs.residual = options.residual;
  const attrs: FusedConvAttrs = { stride: options.stride ?? 1, dilation: options.dilation ?? 1, activation: options.activation ?? 'linear' };
  return tf.engine().runKernel(name, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
}
