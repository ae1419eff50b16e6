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
 */
import * as tf from '@tensorflow/tfjs';

export interface BatchNormTrainingResult {
  y: tf.Tensor2D;
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
}

export function batchNormTraining(x: tf.Tensor2D, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon: number): BatchNormTrainingResult {
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
  return { y, mean, variance };
}
