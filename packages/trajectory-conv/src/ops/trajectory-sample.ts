/** `trajectorySample`: the bilinear samples each temporal tap reads along its trajectory. */
import * as tf from '@tensorflow/tfjs';
import { registerTrajectoryKernels } from '../kernels/register.js';
import { TRAJECTORY_SAMPLE } from '../kernels/trajectory-sample.js';
import { TrajectoryConvError } from './errors.js';
import { compositeTrajectorySample } from './trajectory-sample-composite.js';

export interface TemporalOptions {
  /** Temporal stride: output time to reads around input time to * stride. Default 1. */
  stride?: number;
  /** Temporal dilation between taps. Default 1. */
  dilation?: number;
}

/** Output time length for `t` input frames: ceil(t / stride). */
export function outputLength(t: number, stride: number): number {
  return Math.ceil(t / stride);
}

function checkInteger(op: string, name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) throw new TrajectoryConvError('BAD_ARGUMENT', `${name} must be a positive integer, got ${value}`, { path: op });
}

/**
 * x [N, T, H, W, C], offsets [N, To, H, W, K, 2] (dx, dy in pixels) ->
 * samples [N, To, H, W, K, C]. Differentiable in x and offsets. Runs the
 * backend's TrajectorySample kernel where it has one (cpu, wasm, webgl, native
 * libtorch), else the same computation in tfjs's built-in ops, which stays on
 * the backend's device (tfjs-node and tfjs-node-gpu).
 */
export function trajectorySample(x: tf.Tensor, offsets: tf.Tensor, options: TemporalOptions = {}): tf.Tensor {
  const { stride, dilation } = checkSampleArgs('trajectorySample', x, offsets, options);
  registerTrajectoryKernels();
  if (tf.getKernel(TRAJECTORY_SAMPLE, tf.getBackend()) == null) return compositeTrajectorySample(x, offsets, { stride, dilation });
  return tf.engine().runKernel(TRAJECTORY_SAMPLE, { x, offsets }, { stride, dilation }) as tf.Tensor;
}

/** Throws a TrajectoryConvError unless x, offsets and the options fit together (trajectorySample's rules); the stride and dilation. */
export function checkSampleArgs(op: string, x: tf.Tensor, offsets: tf.Tensor, options: TemporalOptions): { stride: number; dilation: number } {
  const stride = options.stride ?? 1;
  const dilation = options.dilation ?? 1;
  checkInteger(op, 'stride', stride);
  checkInteger(op, 'dilation', dilation);
  if (x.rank !== 5) throw new TrajectoryConvError('BAD_ARGUMENT', `x must be [N, T, H, W, C], got shape [${x.shape}]`, { path: op });
  if (offsets.rank !== 6 || offsets.shape[5] !== 2) throw new TrajectoryConvError('BAD_ARGUMENT', `offsets must be [N, To, H, W, K, 2], got shape [${offsets.shape}]`, { path: op });
  const [n, t, h, w] = x.shape;
  const to = outputLength(t, stride);
  const expected = [n, to, h, w];
  if (offsets.shape.slice(0, 4).some((d, i) => d !== expected[i])) {
    throw new TrajectoryConvError('BAD_ARGUMENT', `offsets shape [${offsets.shape}] does not fit x [${x.shape}] with stride ${stride}: expected [${expected}, K, 2]`, { path: op });
  }
  if ((offsets.shape[4] as number) % 2 !== 1) throw new TrajectoryConvError('BAD_ARGUMENT', `the number of taps K must be odd, got ${offsets.shape[4]}`, { path: op });
  if (x.dtype !== 'float32' || offsets.dtype !== 'float32') throw new TrajectoryConvError('BAD_ARGUMENT', 'x and offsets must be float32', { path: op });
  return { stride, dilation };
}
