/**
 * `temporalConv`: the plain Kx1x1 convolution over time (the S3D baseline),
 * with the same tap/stride/padding rules as trajectoryConv with zero offsets.
 * It avoids tfjs's 3D kernels, which are slow or wrong on wasm: without
 * dilation it is ONE conv2d with a Kx1 filter over the free [N, T, H*W, C]
 * view (time as rows); with dilation (whose conv2d gradient tfjs refuses) the
 * frames are gathered per tap and weighted with matMuls.
 */
import * as tf from '@tensorflow/tfjs';
import { FUSED_TEMPORAL_CONV } from '../kernels/fused-conv-webgl.js';
import { TrajectoryConvError } from './errors.js';
import { fusedKernelHere, runFusedConv } from './fused-conv.js';
import { addResidual, type ConvActivation, checkKernel, checkResidual, type ConvOptions } from './trajectory-conv.js';
import { outputLength } from './trajectory-sample.js';

/** x [N, T, H, W, Cin], kernel [K, Cin, Cout] -> [N, ceil(T / stride), H, W, Cout]. */
export function temporalConv(x: tf.Tensor, kernel: tf.Tensor, options: ConvOptions = {}): tf.Tensor {
  const op = 'temporalConv';
  if (x.rank !== 5) throw new TrajectoryConvError('BAD_ARGUMENT', `x must be [N, T, H, W, C], got shape [${x.shape}]`, { path: op });
  const k = kernel.shape[0] as number;
  if (k % 2 !== 1) throw new TrajectoryConvError('BAD_ARGUMENT', `the number of taps K must be odd, got ${k}`, { path: op });
  checkKernel(op, kernel, k, x.shape[4] as number);
  const stride = options.stride ?? 1;
  const dilation = options.dilation ?? 1;
  for (const [name, value] of [['stride', stride], ['dilation', dilation]] as const) {
    if (!Number.isInteger(value) || value < 1) throw new TrajectoryConvError('BAD_ARGUMENT', `${name} must be a positive integer, got ${value}`, { path: op });
  }
  const { residual, activation } = options;
  const [n, t, h, w] = x.shape as number[];
  checkResidual(op, residual, [n, outputLength(t, stride), h, w, kernel.shape[2] as number]);
  // one program on WebGL (no gradient being recorded) where the composite takes more: a residual to add, or dilation
  if ((residual != null || dilation !== 1) && fusedKernelHere(FUSED_TEMPORAL_CONV)) return runFusedConv(FUSED_TEMPORAL_CONV, x, null, kernel, options);
  // with a residual, the conv's own activation waits until it is added
  const convActivation = residual != null && activation != null ? 'linear' : activation;
  if (dilation === 1) return tf.tidy(() => addResidual(temporalConvAsConv2d(x, kernel, stride, options.bias, convActivation), residual, activation));
  return tf.tidy(() => {
    const [n, t, h, w, c] = x.shape;
    const cout = kernel.shape[2] as number;
    const half = (k - 1) / 2;
    const to = outputLength(t, stride);
    const hwc = h * w * c;
    // zero frames in front (half * dilation) and behind (enough for the last strided window);
    // rank-3 views, because wasm's pad/slice/concat are slow on rank-5 tensors
    const front = half * dilation;
    const back = Math.max(0, (to - 1) * stride + half * dilation + stride - t);
    const padded = tf.pad(tf.reshape(x, [n, t, hwc]), [[0, 0], [front, back], [0, 0]]);
    // tap k of output o reads padded frame o * stride + k * dilation: one slice and one matMul per tap
    let y: tf.Tensor | null = null;
    for (let tap = 0; tap < k; tap++) {
      const begin = tap * dilation;
      let frames = stride === 1 ? tf.slice(padded, [0, begin, 0], [n, to, hwc]) : tf.slice(padded, [0, begin, 0], [n, to * stride, hwc]);
      if (stride !== 1) frames = tf.slice(tf.reshape(frames, [n, to, stride, hwc]), [0, 0, 0, 0], [n, to, 1, hwc]);
      const term = tf.matMul(tf.reshape(frames, [n * to * h * w, c]), tf.reshape(tf.slice(kernel, [tap, 0, 0], [1, c, cout]), [c, cout]));
      y = y == null ? term : tf.add(y, term);
    }
    if (options.bias != null) y = tf.add(y as tf.Tensor, options.bias);
    if (convActivation === 'relu') y = tf.relu(y as tf.Tensor);
    return addResidual(tf.reshape(y as tf.Tensor, [n, to, h, w, cout]), residual, activation);
  });
}

/** Time as the rows of a conv2d: x [N, T, H*W, Cin] with a [K, 1, Cin, Cout] filter, zero frames around the clip. */
function temporalConvAsConv2d(x: tf.Tensor, kernel: tf.Tensor, stride: number, bias?: tf.Tensor1D, activation?: ConvActivation): tf.Tensor {
  return tf.tidy(() => {
    const [n, t, h, w, c] = x.shape;
    const [k, , cout] = kernel.shape;
    const half = (k - 1) / 2;
    const to = outputLength(t, stride);
    // output o reads frames o * stride - half ... o * stride + half; enough zero frames behind for the last one
    const back = Math.max(0, (to - 1) * stride + k - t - half);
    const filter = tf.reshape(kernel, [k, 1, c, cout]) as tf.Tensor4D;
    const pad: [[0, 0], [number, number], [0, 0], [0, 0]] = [[0, 0], [half, back], [0, 0], [0, 0]];
    const rows = tf.reshape(x, [n, t, h * w, c]) as tf.Tensor4D;
    let y: tf.Tensor;
    if (activation != null) {
      // bias and activation inside the conv: one FusedConv2D kernel
      y = tf.fused.conv2d({ x: rows, filter, strides: [stride, 1], pad, bias, activation });
    } else {
      y = tf.conv2d(rows, filter, [stride, 1], pad);
      if (bias != null) y = tf.add(y, bias);
    }
    return tf.reshape(y, [n, to, h, w, cout]);
  });
}
