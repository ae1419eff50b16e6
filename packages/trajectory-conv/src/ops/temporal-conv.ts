/**
 * `temporalConv`: the plain Kx1x1 convolution over time (the S3D baseline),
 * with the same tap/stride/padding rules as trajectoryConv with zero offsets.
 * Frames are gathered (zero frames outside the clip) and weighted with one
 * matMul; this avoids tfjs's 3D kernels, which are slow or wrong on wasm.
 */
import * as tf from '@tensorflow/tfjs';
import { TrajectoryConvError } from './errors.js';
import { checkKernel, type ConvOptions, weightTaps } from './trajectory-conv.js';
import { outputLength } from './trajectory-sample.js';

/** For each output time and tap, the index of the frame read in the clip padded with `pad` zero frames in front. */
export function tapFrameIndices(t: number, k: number, stride: number, dilation: number): { indices: number[]; pad: number; to: number } {
  const half = (k - 1) / 2;
  const pad = half * dilation;
  const to = outputLength(t, stride);
  const indices: number[] = [];
  for (let o = 0; o < to; o++) for (let tap = 0; tap < k; tap++) indices.push(o * stride + (tap - half) * dilation + pad);
  return { indices, pad, to };
}

/** x [N, T, H, W, Cin], kernel [K, Cin, Cout] -> [N, ceil(T / stride), H, W, Cout]. */
export function temporalConv(x: tf.Tensor, kernel: tf.Tensor, options: ConvOptions = {}): tf.Tensor {
  const op = 'temporalConv';
  if (x.rank !== 5) throw new TrajectoryConvError(op, `x must be [N, T, H, W, C], got shape [${x.shape}]`);
  const k = kernel.shape[0] as number;
  if (k % 2 !== 1) throw new TrajectoryConvError(op, `the number of taps K must be odd, got ${k}`);
  checkKernel(op, kernel, k, x.shape[4] as number);
  const stride = options.stride ?? 1;
  const dilation = options.dilation ?? 1;
  return tf.tidy(() => {
    const [n, t, h, w, c] = x.shape;
    const { indices, pad, to } = tapFrameIndices(t, k, stride, dilation);
    const padded = pad > 0 ? tf.pad(x, [[0, 0], [pad, pad], [0, 0], [0, 0], [0, 0]]) : x;
    // [N, To*K, H, W, C] -> [N, To, K, H, W, C] -> [N, To, H, W, K, C]
    const gathered = tf.gather(padded, tf.tensor1d(indices, 'int32'), 1);
    const taps = tf.transpose(tf.reshape(gathered, [n, to, k, h, w, c]), [0, 1, 3, 4, 2, 5]);
    return weightTaps(taps, kernel, options.bias);
  });
}
