/**
 * `trajectoryConv`: y[n, to, y, x] = bias + sum_k sample_k @ kernel[k], where
 * sample_k is frame t(to, k) sampled bilinearly at (x + dx, y + dy). The taps'
 * samples are laid side by side ([M, K*C]) so the weighting is one matMul.
 */
import * as tf from '@tensorflow/tfjs';
import { FUSED_TRAJECTORY_CONV } from '../kernels/fused-conv-webgl.js';
import { TrajectoryConvError } from './errors.js';
import { fusedKernelHere, runFusedConv } from './fused-conv.js';
import { checkSampleArgs, type TemporalOptions, trajectorySample } from './trajectory-sample.js';

/** What a fused conv applies after its bias: nothing, or a ReLU. */
export type ConvActivation = 'linear' | 'relu';

export interface ConvOptions extends TemporalOptions {
  bias?: tf.Tensor1D;
  /**
   * Given (even 'linear'): bias and activation run inside the conv's weighting
   * as one fused kernel (tfjs's fused conv2d / matMul), the inference path of a
   * network whose BatchNorms were folded in. Left out: separate ops, as before.
   */
  activation?: ConvActivation;
  /**
   * [N, To, H, W, Cout], added after the bias and before the activation (a
   * ResNet block's shortcut: `relu(conv(x) + residual)`), as a network folded
   * with `foldBatchNorm` runs its blocks' last conv.
   */
  residual?: tf.Tensor;
}

/** The residual's shape must be the output's. */
export function checkResidual(op: string, residual: tf.Tensor | undefined, expected: number[]): void {
  if (residual != null && residual.shape.join(',') !== expected.join(',')) {
    throw new TrajectoryConvError('BAD_ARGUMENT', `residual must be [${expected}] (the output's shape), got [${residual.shape}]`, { path: op });
  }
}

/** Adds the residual (when given) and applies the activation after it: the composite's end of a fused conv. */
export function addResidual(y: tf.Tensor, residual: tf.Tensor | undefined, activation: ConvActivation | undefined): tf.Tensor {
  if (residual == null) return y;
  const sum = tf.add(y, residual);
  return activation === 'relu' ? tf.relu(sum) : sum;
}

export function checkKernel(op: string, kernel: tf.Tensor, k: number, c: number): void {
  if (kernel.rank !== 3 || kernel.shape[0] !== k || kernel.shape[1] !== c) {
    throw new TrajectoryConvError('BAD_ARGUMENT', `kernel must be [K=${k}, Cin=${c}, Cout], got shape [${kernel.shape}]`, { path: op });
  }
}

/** [N, To, H, W, K, C] taps and a [K, C, Cout] kernel -> [N, To, H, W, Cout]. */
export function weightTaps(taps: tf.Tensor, kernel: tf.Tensor, bias?: tf.Tensor1D, activation?: ConvActivation): tf.Tensor {
  return tf.tidy(() => {
    const [n, to, h, w, k, c] = taps.shape;
    const cout = kernel.shape[2] as number;
    const a = tf.reshape(taps, [n * to * h * w, k * c]) as tf.Tensor2D;
    const b = tf.reshape(kernel, [k * c, cout]) as tf.Tensor2D;
    let y: tf.Tensor;
    if (activation != null) {
      y = tf.fused.matMul({ a, b, bias, activation });
    } else {
      y = tf.matMul(a, b);
      if (bias != null) y = tf.add(y, bias);
    }
    return tf.reshape(y, [n, to, h, w, cout]);
  });
}

/**
 * x [N, T, H, W, Cin], offsets [N, To, H, W, K, 2], kernel [K, Cin, Cout] ->
 * [N, To, H, W, Cout]; To = ceil(T / stride). Differentiable in all inputs.
 */
export function trajectoryConv(x: tf.Tensor, offsets: tf.Tensor, kernel: tf.Tensor, options: ConvOptions = {}): tf.Tensor {
  if (x.rank === 5) checkKernel('trajectoryConv', kernel, offsets.shape[4] as number, x.shape[4] as number);
  if (options.bias != null && (options.bias.rank !== 1 || options.bias.shape[0] !== kernel.shape[2])) {
    throw new TrajectoryConvError('BAD_ARGUMENT', `bias must be [Cout=${kernel.shape[2]}], got shape [${options.bias.shape}]`, { path: 'trajectoryConv' });
  }
  const { residual, activation } = options;
  if (x.rank === 5) checkResidual('trajectoryConv', residual, [...offsets.shape.slice(0, 4), kernel.shape[2] as number]);
  // one program on WebGL when no gradient is being recorded
  if (fusedKernelHere(FUSED_TRAJECTORY_CONV)) {
    checkSampleArgs('trajectoryConv', x, offsets, options);
    return runFusedConv(FUSED_TRAJECTORY_CONV, x, offsets, kernel, options);
  }
  return tf.tidy(() => addResidual(weightTaps(trajectorySample(x, offsets, options), kernel, options.bias, residual != null && activation != null ? 'linear' : activation), residual, activation));
}
