/**
 * Training-mode BatchNorm over the rows of x [M, C] as ONE differentiable op
 * (tf.customGrad) with its backward pass written out:
 *
 *   xHat = (x - mean) / sqrt(var + eps),  y = gamma * xHat + beta
 *   dBeta = sum dy,  dGamma = sum dy * xHat
 *   dx = gamma / sqrt(var + eps) * (dy - dBeta / M - xHat * dGamma / M)
 *
 * tfjs differentiates tf.moments + tf.batchNorm through ~15 elementwise ops
 * and Tile broadcasts (16-20% of a wasm training step); this is 5 full-size
 * ops forward and 6 backward on any backend. Batch statistics (biased
 * variance) come back for the moving averages; they carry no gradient.
 *
 * Where a backend has the kernels `BatchNormTraining` and
 * `BatchNormTrainingGrad` (@trajectorynet/torch-kernels registers them on
 * wasm), forward (statistics, normalisation, the running statistics' update)
 * and backward are one native kernel each: the op below with the gradient
 * registered here (tfjs's split: op, kernel, gradient).
 */
import * as tf from '@tensorflow/tfjs';

export interface BatchNormTrainingResult {
  y: tf.Tensor2D;
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
  /** With `running`: the running statistics after this batch (PyTorch's rule: the unbiased batch variance). */
  runningMean?: tf.Tensor1D;
  runningVariance?: tf.Tensor1D;
}

/** The running statistics to update, as PyTorch does: new = (1 - momentum) * old + momentum * batch (unbiased variance). */
export interface RunningStatistics {
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
  momentum: number;
}

export const BATCH_NORM_TRAINING = 'BatchNormTraining';
export const BATCH_NORM_TRAINING_GRAD = 'BatchNormTrainingGrad';

tf.registerGradient({
  kernelName: BATCH_NORM_TRAINING,
  inputsToSave: ['x', 'gamma'],
  outputsToSave: [false, true, true, false, false],
  gradFunc: (dy, saved, attrs) => {
    // only y carries a gradient: the statistics feed the running averages, not the loss
    const dyY = (Array.isArray(dy) ? dy[0] : dy) as tf.Tensor;
    const [x, gamma, mean, variance] = saved;
    const { epsilon } = attrs as unknown as { epsilon: number };
    const [dx, dGamma, dBeta] = tf.engine().runKernel(BATCH_NORM_TRAINING_GRAD, { dy: dyY, x, gamma, mean, variance }, { epsilon } as unknown as tf.NamedAttrMap) as tf.Tensor[];
    const none = () => tf.zerosLike(mean);
    return { x: () => dx, gamma: () => dGamma, beta: () => dBeta, runMean: none, runVar: none };
  },
});

/** True when the backend in use runs training BatchNorm as the native kernels. */
export function nativeBatchNormTraining(): boolean {
  const backend = tf.getBackend();
  return tf.getKernel(BATCH_NORM_TRAINING, backend) != null && tf.getKernel(BATCH_NORM_TRAINING_GRAD, backend) != null;
}

export function batchNormTraining(x: tf.Tensor2D, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon: number, running?: RunningStatistics): BatchNormTrainingResult {
  if (nativeBatchNormTraining() && x.dtype === 'float32') {
    const channels = x.shape[1];
    const runMean = running?.mean ?? tf.zeros([channels]);
    const runVar = running?.variance ?? tf.ones([channels]);
    const [y, mean, variance, runningMean, runningVariance] = tf.engine().runKernel(
      BATCH_NORM_TRAINING,
      { x, gamma, beta, runMean, runVar },
      { epsilon, momentum: running?.momentum ?? 0 } as unknown as tf.NamedAttrMap,
    ) as tf.Tensor[];
    if (running == null) {
      tf.dispose([runMean, runVar, runningMean, runningVariance]);
      return { y: y as tf.Tensor2D, mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D };
    }
    return { y: y as tf.Tensor2D, mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D, runningMean: runningMean as tf.Tensor1D, runningVariance: runningVariance as tf.Tensor1D };
  }
  return composite(x, gamma, beta, epsilon, running);
}

function composite(x: tf.Tensor2D, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon: number, running?: RunningStatistics): BatchNormTrainingResult {
  let stats: { mean: tf.Tensor1D; variance: tf.Tensor1D } | null = null;
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xs, g, b, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const mean = tf.mean(xs, 0) as tf.Tensor1D;
    const centered = tf.sub(xs, mean);
    const variance = tf.mean(tf.square(centered), 0) as tf.Tensor1D;
    const invStd = tf.rsqrt(tf.add(variance, epsilon));
    const xHat = tf.mul(centered, invStd);
    // the op runs its body in a scope of its own: keep the statistics past it
    stats = { mean: tf.keep(mean), variance: tf.keep(variance) };
    save([xHat, invStd, g]);
    return {
      value: tf.add(tf.mul(xHat, g), b),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [savedXHat, savedInvStd, savedGamma] = saved;
        const grad = dy as tf.Tensor;
        const rows = grad.shape[0] as number;
        const dBeta = tf.sum(grad, 0);
        const dGamma = tf.sum(tf.mul(grad, savedXHat), 0);
        const centeredGrad = tf.sub(tf.sub(grad, tf.div(dBeta, rows)), tf.mul(savedXHat, tf.div(dGamma, rows)));
        return [tf.mul(centeredGrad, tf.mul(savedGamma, savedInvStd)), dGamma, dBeta];
      },
    };
  });
  const y = op(x, gamma, beta) as tf.Tensor2D;
  const kept = stats as unknown as { mean: tf.Tensor1D; variance: tf.Tensor1D };
  // clones belong to the caller's scope; the kept originals go
  const [mean, variance] = [tf.clone(kept.mean), tf.clone(kept.variance)];
  tf.dispose([kept.mean, kept.variance]);
  if (running == null) return { y, mean, variance };
  const count = x.shape[0];
  const [runningMean, runningVariance] = tf.tidy(() => {
    const unbiased = tf.mul(variance, count / Math.max(1, count - 1));
    const m = running.momentum;
    return [tf.add(tf.mul(running.mean, 1 - m), tf.mul(mean, m)) as tf.Tensor1D, tf.add(tf.mul(running.variance, 1 - m), tf.mul(unbiased, m)) as tf.Tensor1D];
  });
  return { y, mean, variance, runningMean, runningVariance };
}
