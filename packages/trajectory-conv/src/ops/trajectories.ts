/**
 * Trajectories from optical flow (Eq. 2 of the paper): the offset of tap tau
 * at frame t is where the point moves to in frame t + tau * dilation,
 * following forward flows for later frames and backward flows for earlier
 * ones, chained through the frames in between (each next flow sampled
 * bilinearly at the point reached so far). Differentiable in the flows, so a
 * flow network (MotionNet) learns through it.
 */
import * as tf from '@tensorflow/tfjs';
import { RESIZE_OFFSETS, TRAJECTORIES_FROM_FLOW } from '../kernels/offsets-webgl.js';
import { TrajectoryConvError } from './errors.js';
import { fusedKernelHere } from './fused-conv.js';
import { warpBilinear } from './warp.js';

export interface TrajectoryOptions {
  /** Taps K (odd). Default 3. */
  taps?: number;
  dilation?: number;
}

/** Chains `steps` flows starting at each of the first `count` frames: flows [N, F, H, W, 2] -> [N, count, H, W, 2]. */
function chain(flows: tf.Tensor, start: number, count: number, steps: number, direction: 1 | -1): tf.Tensor {
  const [n, , h, w] = flows.shape;
  const slice = (first: number) => tf.reshape(tf.slice(flows, [0, first, 0, 0, 0], [n, count, h, w, 2]), [n * count, h, w, 2]);
  let displacement = slice(start);
  for (let s = 1; s < steps; s++) displacement = tf.add(displacement, warpBilinear(slice(start + direction * s), displacement));
  return tf.reshape(displacement, [n, count, h, w, 2]);
}

/**
 * forward [N, T-1, H, W, 2] (forward[t]: frame t -> t+1) and backward
 * [N, T-1, H, W, 2] (backward[t-1]: frame t -> t-1) -> offsets
 * [N, T, H, W, K, 2] for trajectoryConv with stride 1. Taps whose frame is
 * outside the clip get offset 0 (trajectoryConv reads zeros there anyway).
 */
export function trajectoriesFromFlow(forward: tf.Tensor, backward: tf.Tensor, options: TrajectoryOptions = {}): tf.Tensor {
  const op = 'trajectoriesFromFlow';
  const taps = options.taps ?? 3;
  const dilation = options.dilation ?? 1;
  if (taps % 2 !== 1 || taps < 1) throw new TrajectoryConvError('BAD_ARGUMENT', `taps must be odd, got ${taps}`, { path: op });
  if (forward.rank !== 5 || forward.shape[4] !== 2) throw new TrajectoryConvError('BAD_ARGUMENT', `forward must be [N, T-1, H, W, 2], got shape [${forward.shape}]`, { path: op });
  if (backward.shape.join(',') !== forward.shape.join(',')) {
    throw new TrajectoryConvError('BAD_ARGUMENT', `backward [${backward.shape}] must have the shape of forward [${forward.shape}]`, { path: op });
  }
  // one step per tap (no chaining): one WebGL program when no gradient is being recorded
  if (((taps - 1) / 2) * dilation <= 1 && (forward.shape[1] as number) > 0 && fusedKernelHere(TRAJECTORIES_FROM_FLOW)) {
    return tf.engine().runKernel(TRAJECTORIES_FROM_FLOW, { forward, backward }, { taps }) as tf.Tensor;
  }
  return tf.tidy(() => {
    const [n, f, h, w] = forward.shape;
    const t = f + 1;
    const half = (taps - 1) / 2;
    const perTap: tf.Tensor[] = [];
    for (let k = 0; k < taps; k++) {
      const steps = Math.abs(k - half) * dilation;
      if (steps === 0 || steps >= t) {
        perTap.push(tf.zeros([n, t, h, w, 2]));
        continue;
      }
      const count = t - steps;
      if (k > half) {
        // frames 0..count-1 reach frame t + steps: forward flows t .. t+steps-1
        const reached = chain(forward, 0, count, steps, 1);
        perTap.push(tf.concat([reached, tf.zeros([n, steps, h, w, 2])], 1));
      } else {
        // frames steps..T-1 reach frame t - steps: backward flows t-1 down to t-steps
        const reached = chain(backward, steps - 1, count, steps, -1);
        perTap.push(tf.concat([tf.zeros([n, steps, h, w, 2]), reached], 1));
      }
    }
    return tf.stack(perTap, 4);
  });
}

/**
 * Offsets at input resolution -> offsets for a feature map `factor` times
 * smaller: average over each factor x factor cell, divided by the factor
 * (pixels of the smaller map). Sizes round up, like a 'same' strided conv.
 */
export function resizeOffsets(offsets: tf.Tensor, factor: number): tf.Tensor {
  if (!Number.isInteger(factor) || factor < 1) throw new TrajectoryConvError('BAD_ARGUMENT', `factor must be a positive integer, got ${factor}`, { path: 'resizeOffsets' });
  if (offsets.rank !== 6) throw new TrajectoryConvError('BAD_ARGUMENT', `offsets must be [N, T, H, W, K, 2], got shape [${offsets.shape}]`, { path: 'resizeOffsets' });
  if (factor === 1) return tf.clone(offsets);
  if (fusedKernelHere(RESIZE_OFFSETS)) return tf.engine().runKernel(RESIZE_OFFSETS, { offsets }, { factor }) as tf.Tensor;
  return tf.tidy(() => {
    const [n, t, h, w, k] = offsets.shape;
    const pooled = tf.avgPool(tf.reshape(offsets, [n * t, h, w, k * 2]) as tf.Tensor4D, factor, factor, 'same');
    const [, h2, w2] = pooled.shape;
    return tf.reshape(tf.div(pooled, factor), [n, t, h2, w2, k, 2]);
  });
}

/**
 * Offsets for a temporal stride s: the stage works on input times 0, s, 2s,
 * ..., so its neighbouring frames are s input frames apart, and each tap must
 * follow the point over s steps. The one-step offsets (taps -1 and +1:
 * displacements to the previous and next frame) are chained over s frames
 * as flows are (trajectoriesFromFlow with dilation s), then times 0, s, 2s,
 * ... are kept.
 */
export function subsampleOffsets(offsets: tf.Tensor, stride: number): tf.Tensor {
  if (!Number.isInteger(stride) || stride < 1) throw new TrajectoryConvError('BAD_ARGUMENT', `stride must be a positive integer, got ${stride}`, { path: 'subsampleOffsets' });
  if (offsets.rank !== 6) throw new TrajectoryConvError('BAD_ARGUMENT', `offsets must be [N, T, H, W, K, 2], got shape [${offsets.shape}]`, { path: 'subsampleOffsets' });
  if (stride === 1) return tf.clone(offsets);
  return tf.tidy(() => {
    const [n, t, h, w, k] = offsets.shape;
    const half = (k - 1) / 2;
    const tap = (j: number) => tf.reshape(tf.slice(offsets, [0, 0, 0, 0, j, 0], [n, t, h, w, 1, 2]), [n, t, h, w, 2]);
    // forward[t] = frame t -> t+1 (tap +1 at times 0..T-2); backward[t-1] = frame t -> t-1 (tap -1 at times 1..T-1)
    const forward = tf.slice(tap(half + 1), [0, 0, 0, 0, 0], [n, t - 1, h, w, 2]);
    const backward = tf.slice(tap(half - 1), [0, 1, 0, 0, 0], [n, t - 1, h, w, 2]);
    const chained = trajectoriesFromFlow(forward, backward, { taps: k, dilation: stride });
    const indices = Array.from({ length: Math.ceil(t / stride) }, (_, i) => i * stride);
    return tf.gather(chained, tf.tensor1d(indices, 'int32'), 1);
  });
}
