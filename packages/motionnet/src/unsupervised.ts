/**
 * MotionNet on clips: forward flows from the clip, backward flows from the
 * time-reversed clip, and the unsupervised loss summed over the five scales
 * and both directions (photometric 1, SSIM 0.16 ... 0.01 coarse to fine,
 * smoothness 1).
 */
import * as tf from '@tensorflow/tfjs';
import { warpBilinear } from '@trajectorynet/trajectory-conv';
import { photometricLoss, smoothnessLoss, ssimLoss } from './losses.js';
import { FLOW_FACTORS } from './network.js';

export const SSIM_WEIGHTS = [0.16, 0.08, 0.04, 0.02, 0.01];

/** [N, T, H, W, 3] -> [N, H, W, 3T]: frames stacked on channels, frame 0 first. */
export function stackFrames(clip: tf.Tensor5D): tf.Tensor4D {
  const [n, t, h, w, c] = clip.shape;
  return tf.reshape(tf.transpose(clip, [0, 2, 3, 1, 4]), [n, h, w, t * c]) as tf.Tensor4D;
}

/** Prediction [N, h, w, 2(T-1)] -> flows [N*(T-1), h, w, 2] in pixels at that scale. */
function pairFlows(prediction: tf.Tensor, factor: number): tf.Tensor4D {
  const [n, h, w, c] = prediction.shape as number[];
  const pairs = c / 2;
  return tf.reshape(tf.transpose(tf.reshape(tf.mul(prediction, factor), [n, h, w, pairs, 2]), [0, 3, 1, 2, 4]), [n * pairs, h, w, 2]) as tf.Tensor4D;
}

/** Frames resized to h x w: [N, T, H, W, 3] -> first frames and second frames of each pair, [N*(T-1), h, w, 3] each. */
function pairImages(clip: tf.Tensor5D, h: number, w: number): [tf.Tensor4D, tf.Tensor4D] {
  const [n, t, H, W, c] = clip.shape;
  const resized = tf.reshape(tf.image.resizeBilinear(tf.reshape(clip, [n * t, H, W, c]) as tf.Tensor4D, [h, w]), [n, t, h, w, c]);
  const first = tf.reshape(tf.slice(resized, [0, 0, 0, 0, 0], [n, t - 1, h, w, c]), [n * (t - 1), h, w, c]) as tf.Tensor4D;
  const second = tf.reshape(tf.slice(resized, [0, 1, 0, 0, 0], [n, t - 1, h, w, c]), [n * (t - 1), h, w, c]) as tf.Tensor4D;
  return [first, second];
}

// a type (not an interface) so that tf.tidy accepts it as a tensor container
export type LossParts = {
  total: tf.Scalar;
  photometric: tf.Scalar;
  ssim: tf.Scalar;
  smoothness: tf.Scalar;
};

/** The loss of one direction: `clip` [N, T, H, W, 3] in 0..1 and the model's five predictions for it. */
export function directionLoss(clip: tf.Tensor5D, predictions: tf.Tensor[]): LossParts {
  return tf.tidy(() => {
    let photometric = tf.scalar(0);
    let ssim = tf.scalar(0);
    let smoothness = tf.scalar(0);
    predictions.forEach((prediction, s) => {
      const [, h, w] = prediction.shape as number[];
      const flows = pairFlows(prediction, FLOW_FACTORS[s]);
      const [first, second] = pairImages(clip, h, w);
      photometric = tf.add(photometric, photometricLoss(first, second, flows));
      if (h >= 8 && w >= 8) {
        ssim = tf.add(ssim, tf.mul(ssimLoss(first, warpBilinear(second, flows) as tf.Tensor4D), SSIM_WEIGHTS[s]));
      }
      smoothness = tf.add(smoothness, smoothnessLoss(prediction as tf.Tensor4D, FLOW_FACTORS[s]));
    });
    return { total: tf.addN([photometric, ssim, smoothness]) as tf.Scalar, photometric: photometric as tf.Scalar, ssim: ssim as tf.Scalar, smoothness: smoothness as tf.Scalar };
  });
}

/** The network's five predictions for the clip (forward) and for the time-reversed clip (backward). */
export interface MotionNetPass {
  /** The clip at the network's input size (what the predictions and the loss refer to). */
  clip: tf.Tensor5D;
  reversed: tf.Tensor5D;
  forward: tf.Tensor[];
  backward: tf.Tensor[];
  /** The size of the clip as given: passFlows returns flows at this size. */
  size: [number, number];
}

/**
 * Runs MotionNet once per direction; flows and losses can then share the
 * predictions. A clip of another size than the network's input (e.g. 112x112
 * for a network built at 128x128, since MotionNet needs multiples of 32) is
 * resized to it first.
 */
export function runMotionNet(model: tf.LayersModel, clip: tf.Tensor5D, training = false): MotionNetPass {
  const [n, t, height, width, c] = clip.shape;
  const [, h, w] = model.inputs[0].shape as number[];
  const input =
    h === height && w === width ? clip : (tf.reshape(tf.image.resizeBilinear(tf.reshape(clip, [n * t, height, width, c]) as tf.Tensor4D, [h, w], false, true), [n, t, h, w, c]) as tf.Tensor5D);
  const reversed = tf.reverse(input, 1) as tf.Tensor5D;
  return {
    clip: input,
    reversed,
    forward: model.apply(stackFrames(input), { training }) as tf.Tensor[],
    backward: model.apply(stackFrames(reversed), { training }) as tf.Tensor[],
    size: [height, width],
  };
}

/** The unsupervised loss of both directions from one pass. */
export function passLoss(pass: MotionNetPass): LossParts {
  return tf.tidy(() => {
    const parts = [directionLoss(pass.clip, pass.forward), directionLoss(pass.reversed, pass.backward)];
    const sum = (k: keyof LossParts) => tf.add(parts[0][k], parts[1][k]) as tf.Scalar;
    return { total: sum('total'), photometric: sum('photometric'), ssim: sum('ssim'), smoothness: sum('smoothness') };
  });
}

/** Both directions: the clip and the clip reversed in time. */
export function unsupervisedLoss(model: tf.LayersModel, clip: tf.Tensor5D, training = true): LossParts {
  return tf.tidy(() => passLoss(runMotionNet(model, clip, training)));
}

/**
 * Flows at the clip's resolution (as given to runMotionNet), in pixels, in
 * the layout trajectoriesFromFlow takes: forward [N, T-1, H, W, 2] (frame
 * t -> t+1) and backward [N, T-1, H, W, 2] (backward[t-1]: frame t -> t-1).
 * From the 1/2-scale output.
 */
export function passFlows(pass: MotionNetPass): { forward: tf.Tensor; backward: tf.Tensor } {
  return tf.tidy(() => {
    const [n, t, h, w] = pass.clip.shape;
    const [height, width] = pass.size;
    // prediction x 20 = pixels at the network's resolution (x 10 at half, then x 2 for the upsampling), rescaled to the clip's
    const scale = tf.tile(tf.tensor1d([(20 * width) / w, (20 * height) / h]), [t - 1]);
    const full = (outputs: tf.Tensor[]) => {
      const half = outputs[outputs.length - 1] as tf.Tensor4D;
      const upsampled = tf.mul(tf.image.resizeBilinear(half, [height, width]), scale);
      return tf.transpose(tf.reshape(upsampled, [n, height, width, t - 1, 2]), [0, 3, 1, 2, 4]);
    };
    // reversed pair j maps original frame T-1-j to T-2-j, which is backward[T-2-j]
    return { forward: full(pass.forward), backward: tf.reverse(full(pass.backward), 1) };
  });
}

export function motionFlows(model: tf.LayersModel, clip: tf.Tensor5D, training = false): { forward: tf.Tensor; backward: tf.Tensor } {
  return tf.tidy(() => passFlows(runMotionNet(model, clip, training)));
}
