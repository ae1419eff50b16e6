/**
 * Training-mode BatchNorm as two native kernels (the op and its gradient are
 * @trajectorynet/resnet-s3d's `batchNormTraining`, which runs them when they
 * are registered and its tfjs composition otherwise; registered by name, this
 * package does not import it):
 *
 * - `BatchNormTraining`: x [rows, C], gamma, beta, runMean, runVar (attrs
 *   epsilon, momentum) -> [y, batch mean, biased batch variance, new running
 *   mean, new running variance (unbiased batch variance, as PyTorch)];
 * - `BatchNormTrainingGrad`: dy, x, gamma, mean, variance (attr epsilon) ->
 *   [dx, dGamma, dBeta].
 *
 * Sums in double, in a fixed order. Every float32 input of any size runs here
 * (there is no stock kernel to fall back to).
 */
import type * as tf from '@tensorflow/tfjs';
import { allFloat, heapOf, offsetOf, output } from '../heap.js';
import type { NativeKernel } from './types.js';

function checked(name: string, x: tf.TensorInfo, perChannel: tf.TensorInfo[], ...more: (tf.TensorInfo | undefined)[]): [number, number] {
  if (x.shape.length !== 2 || !allFloat(x, ...perChannel, ...more)) throw new Error(`${name}: float32 x [rows, C] expected, got ${x.dtype} [${x.shape}]`);
  const [rows, c] = x.shape;
  if (perChannel.some((t) => t.shape.length !== 1 || t.shape[0] !== c)) throw new Error(`${name}: per-channel inputs must be [${c}]`);
  return [rows, c];
}

export const batchNormTraining: NativeKernel = {
  name: 'BatchNormTraining',
  standalone: true,
  make: (addon) => (args) => {
    const { x, gamma, beta, runMean, runVar } = args.inputs as Record<'x' | 'gamma' | 'beta' | 'runMean' | 'runVar', tf.TensorInfo>;
    const { epsilon, momentum } = args.attrs as unknown as { epsilon: number; momentum: number };
    const [rows, c] = checked('BatchNormTraining', x, [gamma, beta, runMean, runVar]);
    const b = args.backend;
    const outs = [output(b, [rows, c]), ...[0, 1, 2, 3].map(() => output(b, [c]))];
    const [y, mean, variance, newRunMean, newRunVar] = outs.map((t) => offsetOf(b, t));
    const at = (t: tf.TensorInfo) => offsetOf(b, t);
    addon.batchNormTrain(heapOf(b), at(x), rows, c, at(gamma), at(beta), at(runMean), at(runVar), epsilon, momentum, y, mean, variance, newRunMean, newRunVar);
    return outs;
  },
};

export const batchNormTrainingGrad: NativeKernel = {
  name: 'BatchNormTrainingGrad',
  standalone: true,
  make: (addon) => (args) => {
    const { dy, x, gamma, mean, variance } = args.inputs as Record<'dy' | 'x' | 'gamma' | 'mean' | 'variance', tf.TensorInfo>;
    const { epsilon } = args.attrs as unknown as { epsilon: number };
    const [rows, c] = checked('BatchNormTrainingGrad', x, [gamma, mean, variance], dy);
    const b = args.backend;
    const outs = [output(b, [rows, c]), output(b, [c]), output(b, [c])];
    const at = (t: tf.TensorInfo) => offsetOf(b, t);
    addon.batchNormTrainGrad(heapOf(b), at(dy), at(x), rows, c, at(gamma), at(mean), at(variance), epsilon, at(outs[0]), at(outs[1]), at(outs[2]));
    return outs;
  },
};
