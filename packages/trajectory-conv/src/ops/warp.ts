/** `warpBilinear`: an image sampled at p + flow(p), zeros outside; differentiable in image and flow. */
import * as tf from '@tensorflow/tfjs';
import { TrajectoryConvError } from './errors.js';
import { trajectorySample } from './trajectory-sample.js';

/** image [B, H, W, C], flow [B, H, W, 2] (u then v, pixels) -> [B, H, W, C]. */
export function warpBilinear(image: tf.Tensor, flow: tf.Tensor): tf.Tensor {
  if (image.rank !== 4) throw new TrajectoryConvError('BAD_ARGUMENT', `image must be [B, H, W, C], got shape [${image.shape}]`, { path: 'warpBilinear' });
  if (flow.rank !== 4 || flow.shape[3] !== 2) throw new TrajectoryConvError('BAD_ARGUMENT', `flow must be [B, H, W, 2], got shape [${flow.shape}]`, { path: 'warpBilinear' });
  if (flow.shape.slice(0, 3).some((d, i) => d !== image.shape[i])) {
    throw new TrajectoryConvError('BAD_ARGUMENT', `flow [${flow.shape}] does not match image [${image.shape}]`, { path: 'warpBilinear' });
  }
  return tf.tidy(() => {
    const [b, h, w, c] = image.shape;
    const samples = trajectorySample(tf.reshape(image, [b, 1, h, w, c]), tf.reshape(flow, [b, 1, h, w, 1, 2]));
    return tf.reshape(samples, [b, h, w, c]);
  });
}
