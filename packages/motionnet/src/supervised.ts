/**
 * A supervised loss for MotionNet, for data whose true flow is known (the
 * procedural generator): at each of the five scales, the mean end-point error
 * between the prediction (in pixels of the input) and the true flow
 * average-pooled to that scale, as FlowNet's multi-scale loss. A sanity check
 * of the network and the data, and an alternative pretraining; MotionNet's
 * own pretraining (Hidden Two-Stream) uses no labels.
 */
import * as tf from '@tensorflow/tfjs';
import { MotionNetError } from './errors.js';
import { SCALES } from './network.js';
import { pairFlows, stackFrames } from './unsupervised.js';

/** Weights of the five scales, coarse (1/32) to fine (1/2). Default: equal. */
export const SUPERVISED_SCALE_WEIGHTS = [1, 1, 1, 1, 1];

/**
 * `clip` [N, T, H, W, 3] in 0..1 and its true forward flows [N, T-1, H, W, 2]
 * (pixels): `total` (the weighted sum over scales) and `epe` (the finest
 * scale's, in input pixels).
 */
export function supervisedLoss(model: tf.LayersModel, clip: tf.Tensor5D, flows: tf.Tensor5D, training = true, weights = SUPERVISED_SCALE_WEIGHTS): { total: tf.Scalar; epe: tf.Scalar } {
  const [n, t, h, w] = clip.shape;
  if (flows.rank !== 5 || flows.shape[0] !== n || flows.shape[1] !== t - 1 || flows.shape[2] !== h || flows.shape[3] !== w || flows.shape[4] !== 2) {
    throw new MotionNetError('BAD_INPUT', `flows must be [${n}, ${t - 1}, ${h}, ${w}, 2] for a clip of [${clip.shape}], got [${flows.shape}]`, { path: 'flows' });
  }
  return tf.tidy(() => {
    const predictions = model.apply(stackFrames(clip), { training }) as tf.Tensor[];
    const truth = tf.reshape(flows, [n * (t - 1), h, w, 2]) as tf.Tensor4D;
    let total = tf.scalar(0);
    let epe = tf.scalar(0);
    predictions.forEach((prediction, s) => {
      const stride = Math.round(1 / SCALES[s]);
      // predictions are flow / 20 in input pixels (FlowNet's convention) at every scale
      const predicted = pairFlows(prediction, 20);
      const target = tf.avgPool(truth, stride, stride, 'valid');
      const error = tf.mean(tf.sqrt(tf.add(tf.sum(tf.square(tf.sub(predicted, target)), -1), 1e-6))) as tf.Scalar;
      total = tf.add(total, tf.mul(error, weights[s])) as tf.Scalar;
      if (s === predictions.length - 1) epe = error;
    });
    return { total, epe };
  });
}
