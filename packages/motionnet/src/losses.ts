/**
 * MotionNet's unsupervised losses at one scale: photometric (Charbonnier of
 * frame t minus frame t+1 warped back by the flow, on LRN-normalised images,
 * inside a border mask), SSIM on 8x8 Gaussian windows with stride 8, and
 * smoothness (Charbonnier of the flow's x and y differences).
 * Written against the paper, not the PyTorch port: the SSIM window is Gaussian
 * in both axes and the border mask covers all four sides.
 */
import * as tf from '@tensorflow/tfjs';
import { warpBilinear } from '@trajectorynet/trajectory-conv';

/** ((beta * x)^2 + eps^2)^alpha, elementwise. */
export function charbonnier(x: tf.Tensor, alpha: number, beta: number, eps = 1e-3): tf.Tensor {
  return tf.tidy(() => tf.pow(tf.add(tf.square(tf.mul(x, beta)), eps * eps), alpha));
}

/** 1 inside, 0 in the outer `ratio` of each side (top, bottom, left and right): [1, H, W, 1]. */
export function borderMask(height: number, width: number, ratio = 0.1): tf.Tensor4D {
  const values = new Float32Array(height * width);
  const [my, mx] = [Math.floor(height * ratio), Math.floor(width * ratio)];
  for (let y = my; y < height - my; y++) for (let x = mx; x < width - mx; x++) values[y * width + x] = 1;
  return tf.tensor4d(values, [1, height, width, 1]);
}

/** Local response normalisation across the RGB channels (our choice of parameters: radius 1, bias 1, alpha 1, beta 0.5). */
export function lrnNormalise(images: tf.Tensor4D): tf.Tensor4D {
  return tf.localResponseNormalization(images, 1, 1, 1, 0.5);
}

/**
 * Photometric loss of flows [B, H, W, 2] (pixels) from `first` to `second`
 * ([B, H, W, 3], values in 0..1): mean Charbonnier (alpha 0.4, beta 255)
 * of LRN(first) - LRN(second) warped back, inside the border mask.
 */
export function photometricLoss(first: tf.Tensor4D, second: tf.Tensor4D, flow: tf.Tensor4D): tf.Scalar {
  return tf.tidy(() => {
    const [, h, w] = first.shape;
    const warped = warpBilinear(lrnNormalise(second), flow);
    const diff = tf.sub(lrnNormalise(first), warped);
    const mask = borderMask(h, w);
    const weighted = tf.mul(charbonnier(diff, 0.4, 255), mask);
    return tf.div(tf.sum(weighted), tf.mul(tf.sum(mask), first.shape[0] * first.shape[3])) as tf.Scalar;
  });
}

/** An 8x8 Gaussian window (sigma 1.5), normalised, as a conv kernel [8, 8, 1, 1]. */
export function gaussianWindow(size = 8, sigma = 1.5): tf.Tensor4D {
  const c = (size - 1) / 2;
  const g = Array.from({ length: size }, (_, i) => Math.exp(-((i - c) ** 2) / (2 * sigma * sigma)));
  const values = new Float32Array(size * size);
  let sum = 0;
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) sum += values[y * size + x] = g[y] * g[x];
  for (let i = 0; i < values.length; i++) values[i] /= sum;
  return tf.tensor4d(values, [size, size, 1, 1]);
}

/** Mean (1 - SSIM) over 8x8 Gaussian windows with stride 8 (c1 1e-4, c2 1e-3); images [B, H, W, C] in 0..1. */
export function ssimLoss(a: tf.Tensor4D, b: tf.Tensor4D): tf.Scalar {
  return tf.tidy(() => {
    const [n, h, w, c] = a.shape;
    // channels into the batch, so one single-channel Gaussian conv serves all
    const fold = (x: tf.Tensor4D) => tf.reshape(tf.transpose(x, [0, 3, 1, 2]), [n * c, h, w, 1]) as tf.Tensor4D;
    const window = gaussianWindow();
    const blur = (x: tf.Tensor4D) => tf.conv2d(x, window, 8, 'valid');
    const [x, y] = [fold(a), fold(b)];
    const muX = blur(x);
    const muY = blur(y);
    const sigmaX = tf.sub(blur(tf.square(x) as tf.Tensor4D), tf.square(muX));
    const sigmaY = tf.sub(blur(tf.square(y) as tf.Tensor4D), tf.square(muY));
    const sigmaXY = tf.sub(blur(tf.mul(x, y) as tf.Tensor4D), tf.mul(muX, muY));
    const [c1, c2] = [1e-4, 1e-3];
    const numerator = tf.mul(tf.add(tf.mul(2, tf.mul(muX, muY)), c1), tf.add(tf.mul(2, sigmaXY), c2));
    const denominator = tf.mul(tf.add(tf.add(tf.square(muX), tf.square(muY)), c1), tf.add(tf.add(sigmaX, sigmaY), c2));
    return tf.mean(tf.sub(1, tf.div(numerator, denominator))) as tf.Scalar;
  });
}

/** Mean Charbonnier (alpha 0.3, beta = the scale's flow factor) of the x and y differences of predicted flows [B, H, W, 2k]. */
export function smoothnessLoss(prediction: tf.Tensor4D, factor: number): tf.Scalar {
  return tf.tidy(() => {
    const [n, h, w, c] = prediction.shape;
    const dx = tf.sub(tf.slice(prediction, [0, 0, 1, 0], [n, h, w - 1, c]), tf.slice(prediction, [0, 0, 0, 0], [n, h, w - 1, c]));
    const dy = tf.sub(tf.slice(prediction, [0, 1, 0, 0], [n, h - 1, w, c]), tf.slice(prediction, [0, 0, 0, 0], [n, h - 1, w, c]));
    return tf.add(tf.mean(charbonnier(dx, 0.3, factor)), tf.mean(charbonnier(dy, 0.3, factor))) as tf.Scalar;
  });
}
