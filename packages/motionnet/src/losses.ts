/**
 * MotionNet's unsupervised loss terms at one scale, with the arithmetic of the
 * Hidden Two-Stream Caffe layers (bryanyzhu/Hidden-Two-Stream,
 * `multiframe_MotionNet/train.prototxt`, `charbonnier_loss_layer`,
 * `ssim_loss_layer`, `downsample_layer`, the `borderMask` fillers):
 *
 * - images: (RGB - the Caffe mean) in 0..1 units, LRN across channels (size 9,
 *   alpha 1 divided by the size, beta 0.7, k 1) at full resolution, then
 *   downsampled to each scale with Caffe's tent filter;
 * - photometric: Charbonnier (alpha 0.4, beta 255) of frame t minus frame t+1
 *   warped back by the flow, inside the border mask;
 * - SSIM: sum over 8x8 Gaussian windows (stride 8, edge windows truncated) and
 *   channels of (1 - SSIM), divided by the number of samples;
 * - smoothness: Charbonnier (alpha 0.3, beta = the scale's flow factor) of the
 *   raw predictions' forward differences, inside the same border mask.
 *
 * Batches hold `samples` stacks of `pairs` frame pairs each, sample-major
 * ([samples * pairs, h, w, c]): Caffe's N is the number of stacks and a
 * stack's pairs are its channels, which matters for the normalisations below.
 */
import * as tf from '@tensorflow/tfjs';
import { MotionNetError } from './errors.js';

/** The Caffe mean (BGR 104, 117, 123 in the prototxt), as RGB in 0..1 units. */
export const CAFFE_MEAN_RGB = [123 / 255, 117 / 255, 104 / 255];

/** ((beta * x)^2 + eps^2)^alpha, elementwise. */
export function charbonnier(x: tf.Tensor, alpha: number, beta: number, eps = 1e-3): tf.Tensor {
  return tf.tidy(() => tf.pow(tf.add(tf.square(tf.mul(x, beta)), eps * eps), alpha));
}

/**
 * Border width: Caffe's `borderMask` filler uses round(ratio * min(H, W)); we
 * keep at least 1 pixel. The reference's smallest scale is 7x7 (border 1);
 * smaller training inputs have 4x4 or 2x2 scales where the filler would mask
 * nothing, and there every flow that points out of the image samples the
 * warp's zero padding: a pull towards zero flow that stopped learning here.
 */
export function borderWidth(height: number, width: number, ratio = 0.1): number {
  return Math.max(1, Math.round(ratio * Math.min(height, width)));
}

/** The border mask: 0 in a border of borderWidth pixels on all four sides, 1 inside: [1, H, W, 1]. */
export function borderMask(height: number, width: number, ratio = 0.1): tf.Tensor4D {
  const border = borderWidth(height, width, ratio);
  const values = new Float32Array(height * width);
  for (let y = border; y < height - border; y++) for (let x = border; x < width - border; x++) values[y * width + x] = 1;
  return tf.tensor4d(values, [1, height, width, 1]);
}

/** Pixels inside the border mask (0 for maps of 2 pixels or less on a side). */
export function maskArea(height: number, width: number, ratio = 0.1): number {
  const border = borderWidth(height, width, ratio);
  return Math.max(0, height - 2 * border) * Math.max(0, width - 2 * border);
}

/**
 * The images the photometric and SSIM terms compare: RGB in 0..1 minus the
 * Caffe mean, then Caffe's LRN across channels with local_size 9, alpha 1,
 * beta 0.7, k 1. Caffe divides alpha by the size, and a 9-wide window covers
 * all three channels, so every channel is divided by the same
 * (1 + (r^2 + g^2 + b^2) / 9)^0.7. [B, H, W, 3] -> [B, H, W, 3].
 */
export function lrnNormalise(images: tf.Tensor4D): tf.Tensor4D {
  if (images.shape[3] !== 3) throw new MotionNetError('BAD_INPUT', `RGB images expected, got ${images.shape[3]} channels`, { path: 'lrnNormalise' });
  return tf.tidy(() => {
    const centred = tf.sub(images, tf.tensor1d(CAFFE_MEAN_RGB));
    const scale = tf.add(1, tf.div(tf.sum(tf.square(centred), -1, true), 9));
    return tf.div(centred, tf.pow(scale, 0.7)) as tf.Tensor4D;
  });
}

/**
 * Caffe's Downsample layer along one axis: output i reads the input around
 * i (n - 1) / (m - 1) (corners aligned) with a tent of half-width
 * (n - 1) / (m - 1), weights renormalised over the pixels inside the image.
 * Returned as a row-major [m, n] matrix. One output pixel (m = 1, which the
 * layer cannot do: it divides by m - 1; the reference never has it, its
 * coarsest scale is 7x7) is the mean, our choice.
 */
export function downsampleWeights(n: number, m: number): Float32Array {
  if (!Number.isInteger(m) || m < 1 || m > n) throw new MotionNetError('BAD_ARGUMENT', `cannot resample ${n} to ${m}`, { path: 'downsampleWeights' });
  const weights = new Float32Array(m * n);
  if (m === n) {
    for (let i = 0; i < m; i++) weights[i * n + i] = 1;
    return weights;
  }
  if (m === 1) return weights.fill(1 / n);
  const scale = (n - 1) / (m - 1);
  const radius = Math.ceil(scale);
  for (let i = 0; i < m; i++) {
    const centre = (i / (m - 1)) * (n - 1);
    const nearest = Math.round(centre);
    let sum = 0;
    for (let j = nearest - radius; j <= nearest + radius; j++) {
      if (j < 0 || j >= n) continue;
      const w = Math.max(0, 1 - Math.abs(j - centre) / scale);
      weights[i * n + j] = w;
      sum += w;
    }
    for (let j = 0; j < n; j++) weights[i * n + j] /= sum;
  }
  return weights;
}

/** Images [B, H, W, C] -> [B, h, w, C] with Caffe's Downsample (separable: rows, then columns). */
export function downsampleImages(images: tf.Tensor4D, height: number, width: number): tf.Tensor4D {
  const [b, H, W, c] = images.shape;
  if (H === height && W === width) return tf.clone(images);
  return tf.tidy(() => {
    const rows = tf.tensor2d(downsampleWeights(H, height), [height, H]);
    const cols = tf.tensor2d(downsampleWeights(W, width), [width, W]);
    const byRow = tf.matMul(rows, tf.reshape(tf.transpose(images, [1, 0, 2, 3]), [H, b * W * c])); // [h, B W C]
    const byCol = tf.matMul(cols, tf.reshape(tf.transpose(tf.reshape(byRow, [height, b, W, c]), [2, 0, 1, 3]), [W, height * b * c])); // [w, h B C]
    return tf.transpose(tf.reshape(byCol, [width, height, b, c]), [2, 1, 0, 3]) as tf.Tensor4D;
  });
}

/** Checks that a batch of `batch` pair images splits into `samples` stacks. */
function pairsPerSample(batch: number, samples: number): number {
  if (!Number.isInteger(samples) || samples < 1 || batch % samples !== 0) throw new MotionNetError('BAD_INPUT', `a batch of ${batch} pairs does not split into ${samples} samples`, { path: 'samples' });
  return batch / samples;
}

/**
 * Photometric term: Caffe's CharbonnierLoss (alpha 0.4, beta 255) of
 * `first - warped` ([samples * pairs, h, w, 3], LRN images) with the border
 * mask. The layer divides the masked sum by N times the sum of the whole
 * [N, 3 * pairs, h, w] mask: sum / (N^2 * 3 * pairs * inner pixels), i.e. the
 * mean over masked values divided once more by the batch size N. 0 when the
 * mask is empty.
 */
export function photometricLoss(first: tf.Tensor4D, warped: tf.Tensor4D, samples = first.shape[0]): tf.Scalar {
  return tf.tidy(() => {
    const [batch, h, w, c] = first.shape;
    const pairs = pairsPerSample(batch, samples);
    if (maskArea(h, w) === 0) return tf.scalar(0);
    const masked = tf.mul(charbonnier(tf.sub(first, warped), 0.4, 255), borderMask(h, w));
    return tf.div(tf.sum(masked), samples * samples * c * pairs * maskArea(h, w)) as tf.Scalar;
  });
}

/** The SSIM layer's window: exp(-((i - 4)^2 + (j - 4)^2) / (2 sigma^2)), sigma = (8 + 8) / 12, centred at 4 (not 3.5), normalised: [8, 8, 1, 1]. */
export function gaussianWindow(size = 8): tf.Tensor4D {
  const g = gaussianWindow1d(size);
  return tf.tensor4d(
    Float32Array.from({ length: size * size }, (_, i) => g[Math.floor(i / size)] * g[i % size]),
    [size, size, 1, 1],
  );
}

/** The window's 1-D factor (it is separable: window[y][x] = g[y] g[x]), normalised to sum 1. */
export function gaussianWindow1d(size = 8): Float32Array {
  const sigma = (size + size) / 12;
  const g = Float32Array.from({ length: size }, (_, i) => Math.exp(-((i - size / 2) ** 2) / (2 * sigma * sigma)));
  const sum = g.reduce((a, b) => a + b, 0);
  return g.map((v) => v / sum);
}

/**
 * SSIM term: Caffe's SSIMLoss (8x8 window, stride 8, c1 1e-4, c2 1e-3) of
 * `warped` and `first` ([samples * pairs, h, w, C]): windows start every 8
 * pixels, ceil((H - 8) / 8) + 1 of them per axis, and those that pass the
 * image edge keep only their inside weights (not renormalised), as in the
 * layer. Loss = sum over windows, channels and pairs of (1 - SSIM) / samples.
 */
export function ssimLoss(warped: tf.Tensor4D, first: tf.Tensor4D, samples = first.shape[0]): tf.Scalar {
  return tf.tidy(() => {
    const [batch, h, w, c] = first.shape;
    pairsPerSample(batch, samples);
    const k = 8;
    const [ph, pw] = [Math.ceil((h - k) / k) + 1, Math.ceil((w - k) / k) + 1];
    // zeros past the edge = truncated windows
    const pad = (x: tf.Tensor) =>
      tf.pad(x, [
        [0, 0],
        [0, ph * k - h],
        [0, pw * k - w],
        [0, 0],
      ]);
    // the windows tile the padded image (stride = size), and the window is separable: each 8x8 block's weighted sum
    // as two batched products with the 1-D factor, over the block's rows, then its columns, channels kept last. A
    // stride-8 convolution gave the same, but oneDNN ran its gradient as a slow gemm, slower still with 2 threads.
    const g = tf.tensor3d(gaussianWindow1d(k), [1, 1, k]);
    const blur = (x: tf.Tensor) => {
      const rows = tf.matMul(g, tf.reshape(x, [batch * ph, k, pw * k * c]));
      return tf.reshape(tf.matMul(g, tf.reshape(rows, [batch * ph * pw, k, c])), [batch, ph, pw, c]);
    };
    const [x, y] = [pad(warped), pad(first)];
    const [ux, uy] = [blur(x), blur(y)];
    const sx2 = tf.sub(blur(tf.square(x)), tf.square(ux));
    const sy2 = tf.sub(blur(tf.square(y)), tf.square(uy));
    const sxy = tf.sub(blur(tf.mul(x, y)), tf.mul(ux, uy));
    const [c1, c2] = [1e-4, 1e-3];
    const luminance = tf.div(tf.add(tf.mul(2, tf.mul(ux, uy)), c1), tf.add(tf.add(tf.square(ux), tf.square(uy)), c1));
    const structure = tf.div(tf.add(tf.mul(2, sxy), c2), tf.add(tf.add(sx2, sy2), c2));
    return tf.div(tf.sum(tf.sub(1, tf.mul(luminance, structure))), samples) as tf.Scalar;
  });
}

/**
 * Smoothness term of raw predictions [samples, h, w, 2 * pairs] (u, v per
 * pair, flow / 20 as the network outputs them): the prototxt's fixed 3x3
 * "FlowDeltas" conv gives f(x, y) - f(x + 1, y) and f(x, y) - f(x, y + 1)
 * with zero padding, the flow border mask zeroes the x difference in the last
 * column and the y difference in the last row, and two CharbonnierLoss
 * layers (u and v, alpha 0.3, beta = the scale's flow factor, so in pixels of
 * that scale) take them with the RGB border mask. That mask has 3 * pairs
 * channels, so each layer divides by N^2 * 3 * pairs * inner pixels. 0 when
 * the mask is empty.
 */
export function smoothnessLoss(prediction: tf.Tensor4D, beta: number): tf.Scalar {
  return tf.tidy(() => {
    const [n, h, w, channels] = prediction.shape;
    if (maskArea(h, w) === 0) return tf.scalar(0);
    const pairs = channels / 2;
    const right = tf.pad(tf.slice(prediction, [0, 0, 1, 0], [n, h, w - 1, channels]), [
      [0, 0],
      [0, 0],
      [0, 1],
      [0, 0],
    ]);
    const below = tf.pad(tf.slice(prediction, [0, 1, 0, 0], [n, h - 1, w, channels]), [
      [0, 0],
      [0, 1],
      [0, 0],
      [0, 0],
    ]);
    const lastColumn = tf.tensor4d(Float32Array.from({ length: w }, (_, x) => (x === w - 1 ? 0 : 1)), [1, 1, w, 1]);
    const lastRow = tf.tensor4d(Float32Array.from({ length: h }, (_, y) => (y === h - 1 ? 0 : 1)), [1, h, 1, 1]);
    const dx = tf.mul(tf.sub(prediction, right), lastColumn);
    const dy = tf.mul(tf.sub(prediction, below), lastRow);
    const mask = borderMask(h, w);
    const sum = tf.add(tf.sum(tf.mul(charbonnier(dx, 0.3, beta), mask)), tf.sum(tf.mul(charbonnier(dy, 0.3, beta), mask)));
    return tf.div(sum, n * n * 3 * pairs * maskArea(h, w)) as tf.Scalar;
  });
}
