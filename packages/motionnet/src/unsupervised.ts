/**
 * MotionNet on clips: forward flows from the clip, backward flows from the
 * time-reversed clip, and the unsupervised loss summed over the five scales
 * and both directions, with the per-scale weights of the Hidden Two-Stream
 * prototxt by default (photometric 1, SSIM 0.16 ... 0.01 coarse to fine,
 * smoothness 1).
 */
import * as tf from '@tensorflow/tfjs';
import { warpBilinear } from '@trajectorynet/trajectory-conv';
import { CAFFE_MEAN_RGB, downsampleImages, lrnNormalise, maskArea, photometricLoss, smoothnessLoss, ssimLoss } from './losses.js';
import { FLOW_FACTORS } from './network.js';

/** Weights of each term at the five scales, coarse (1/32) to fine (1/2). */
export interface LossWeights {
  photometric: number[];
  ssim: number[];
  smoothness: number[];
}

/** The prototxt's loss_weight of each layer (the smoothness weight applies to the u and the v layer alike). */
export const REFERENCE_LOSS_WEIGHTS: LossWeights = {
  photometric: [1, 1, 1, 1, 1],
  ssim: [0.16, 0.08, 0.04, 0.02, 0.01],
  smoothness: [1, 1, 1, 1, 1],
};

/** [N, T, H, W, 3] -> [N, H, W, 3T]: frames stacked on channels, frame 0 first, minus the Caffe mean (what the network sees). */
export function stackFrames(clip: tf.Tensor5D): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, t, h, w, c] = clip.shape;
    const centred = tf.sub(clip, tf.tensor1d(CAFFE_MEAN_RGB));
    return tf.reshape(tf.transpose(centred, [0, 2, 3, 1, 4]), [n, h, w, t * c]) as tf.Tensor4D;
  });
}

/** Prediction [N, h, w, 2(T-1)] -> flows [N*(T-1), h, w, 2] in pixels at that scale. */
export function pairFlows(prediction: tf.Tensor, factor: number): tf.Tensor4D {
  const [n, h, w, c] = prediction.shape as number[];
  const pairs = c / 2;
  return tf.reshape(tf.transpose(tf.reshape(tf.mul(prediction, factor), [n, h, w, pairs, 2]), [0, 3, 1, 2, 4]), [n * pairs, h, w, 2]) as tf.Tensor4D;
}

/** Images [N*T, h, w, 3] of N stacks -> first and second frames of each pair, [N*(T-1), h, w, 3] each. */
function pairImages(images: tf.Tensor4D, n: number, t: number): [tf.Tensor4D, tf.Tensor4D] {
  const [, h, w, c] = images.shape;
  const stacked = tf.reshape(images, [n, t, h, w, c]);
  const first = tf.reshape(tf.slice(stacked, [0, 0, 0, 0, 0], [n, t - 1, h, w, c]), [n * (t - 1), h, w, c]) as tf.Tensor4D;
  const second = tf.reshape(tf.slice(stacked, [0, 1, 0, 0, 0], [n, t - 1, h, w, c]), [n * (t - 1), h, w, c]) as tf.Tensor4D;
  return [first, second];
}

// a type (not an interface) so that tf.tidy accepts it as a tensor container
export type LossParts = {
  total: tf.Scalar;
  photometric: tf.Scalar;
  ssim: tf.Scalar;
  smoothness: tf.Scalar;
};

/**
 * The loss of one direction: `clip` [N, T, H, W, 3] in 0..1 and the model's
 * five predictions for it. As the prototxt: LRN images at full resolution,
 * downsampled to each scale (Caffe's Downsample), frame t+1 warped back to t
 * by the scaled prediction; a term whose weight is 0 is not computed. Scales
 * of 2 pixels or less on a side (inputs under 96 px), where the border mask
 * leaves nothing, are left out of every term (see borderWidth).
 */
export function directionLoss(clip: tf.Tensor5D, predictions: tf.Tensor[], weights: LossWeights = REFERENCE_LOSS_WEIGHTS): LossParts {
  return tf.tidy(() => {
    const [n, t, H, W, c] = clip.shape;
    const images = lrnNormalise(tf.reshape(clip, [n * t, H, W, c]) as tf.Tensor4D);
    let photometric = tf.scalar(0);
    let ssim = tf.scalar(0);
    let smoothness = tf.scalar(0);
    predictions.forEach((prediction, s) => {
      const [, h, w] = prediction.shape as number[];
      if (maskArea(h, w) === 0) return;
      if (weights.photometric[s] !== 0 || weights.ssim[s] !== 0) {
        const [first, second] = pairImages(downsampleImages(images, h, w), n, t);
        const warped = warpBilinear(second, pairFlows(prediction, FLOW_FACTORS[s])) as tf.Tensor4D;
        if (weights.photometric[s] !== 0) photometric = tf.add(photometric, tf.mul(photometricLoss(first, warped, n), weights.photometric[s]));
        if (weights.ssim[s] !== 0) ssim = tf.add(ssim, tf.mul(ssimLoss(warped, first, n), weights.ssim[s]));
      }
      if (weights.smoothness[s] !== 0) smoothness = tf.add(smoothness, tf.mul(smoothnessLoss(prediction as tf.Tensor4D, FLOW_FACTORS[s]), weights.smoothness[s]));
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
 * `tf.reverse(x, 1)` of a tensor [N, T, ...] taken as [N, T, rest]: tfjs's WebGL backend reverses
 * tensors of rank 4 at most ("Reverse of rank-5 tensor is not yet supported"), and clips and flows
 * are rank 5. The same values and gradient (reshapes and a reverse).
 */
export function reverseTime(x: tf.Tensor): tf.Tensor {
  const [n, t] = x.shape;
  return tf.reshape(tf.reverse(tf.reshape(x, [n, t, -1]), 1), x.shape);
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
  const reversed = reverseTime(input) as tf.Tensor5D;
  return {
    clip: input,
    reversed,
    forward: model.apply(stackFrames(input), { training }) as tf.Tensor[],
    backward: model.apply(stackFrames(reversed), { training }) as tf.Tensor[],
    size: [height, width],
  };
}

/** The unsupervised loss of both directions from one pass. */
export function passLoss(pass: MotionNetPass, weights: LossWeights = REFERENCE_LOSS_WEIGHTS): LossParts {
  return tf.tidy(() => {
    const parts = [directionLoss(pass.clip, pass.forward, weights), directionLoss(pass.reversed, pass.backward, weights)];
    const sum = (k: keyof LossParts) => tf.add(parts[0][k], parts[1][k]) as tf.Scalar;
    return { total: sum('total'), photometric: sum('photometric'), ssim: sum('ssim'), smoothness: sum('smoothness') };
  });
}

/** Both directions: the clip and the clip reversed in time. */
export function unsupervisedLoss(model: tf.LayersModel, clip: tf.Tensor5D, training = true, weights: LossWeights = REFERENCE_LOSS_WEIGHTS): LossParts {
  return tf.tidy(() => passLoss(runMotionNet(model, clip, training), weights));
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
    return { forward: full(pass.forward), backward: reverseTime(full(pass.backward)) };
  });
}

export function motionFlows(model: tf.LayersModel, clip: tf.Tensor5D, training = false): { forward: tf.Tensor; backward: tf.Tensor } {
  return tf.tidy(() => passFlows(runMotionNet(model, clip, training)));
}
