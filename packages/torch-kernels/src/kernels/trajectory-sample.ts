/**
 * The kernels of @trajectorynet/trajectory-conv's `trajectorySample`, by their
 * kernel names (this package does not import trajectory-conv): the bilinear
 * samples along trajectories and the two gradients. Native for every input
 * (float32 is all the op accepts), so they work before trajectory-conv
 * registers its own.
 */
import type * as tf from '@tensorflow/tfjs';
import { heapOf, offsetOf, output } from '../heap.js';
import type { NativeKernel } from './types.js';

const temporal = (attrs: tf.NamedAttrMap | undefined) => [(attrs?.stride as number) ?? 1, (attrs?.dilation as number) ?? 1] as const;

export const trajectorySample: NativeKernel = {
  name: 'TrajectorySample',
  standalone: true,
  make: (addon) => (args) => {
    const { x, offsets } = args.inputs as { x: tf.TensorInfo; offsets: tf.TensorInfo };
    const [n, , h, w, c] = x.shape;
    const [, to, , , k] = offsets.shape;
    const out = output(args.backend, [n, to, h, w, k, c]);
    const be = args.backend;
    addon.trajectorySample(heapOf(be), offsetOf(be, x), x.shape, offsetOf(be, offsets), offsets.shape, offsetOf(be, out), ...temporal(args.attrs));
    return out;
  },
};

export const trajectorySampleGradX: NativeKernel = {
  name: 'TrajectorySampleGradX',
  standalone: true,
  make: (addon) => (args) => {
    const { dy, offsets, x } = args.inputs as { dy: tf.TensorInfo; offsets: tf.TensorInfo; x: tf.TensorInfo };
    const dx = output(args.backend, [...x.shape]);
    const be = args.backend;
    addon.trajectorySampleGradX(heapOf(be), offsetOf(be, dy), offsetOf(be, offsets), offsets.shape, x.shape, offsetOf(be, dx), ...temporal(args.attrs));
    return dx;
  },
};

export const trajectorySampleGradOffsets: NativeKernel = {
  name: 'TrajectorySampleGradOffsets',
  standalone: true,
  make: (addon) => (args) => {
    const { dy, offsets, x } = args.inputs as { dy: tf.TensorInfo; offsets: tf.TensorInfo; x: tf.TensorInfo };
    const dOffsets = output(args.backend, [...offsets.shape]);
    const be = args.backend;
    addon.trajectorySampleGradOffsets(heapOf(be), offsetOf(be, dy), offsetOf(be, offsets), offsets.shape, offsetOf(be, x), x.shape, offsetOf(be, dOffsets), ...temporal(args.attrs));
    return dOffsets;
  },
};
