/**
 * MotionNet as a flow estimator for one pair of frames of any size: the frames
 * are resized to a processing size (the frames' size times `scale`, rounded to
 * multiples of 32), the network is rebuilt for that size with the same weights
 * when it differs from the model's, and the flow (from the 1/2-scale output)
 * is resized back and rescaled to pixels of the original frames (bilinear,
 * pixel centres aligned). Same result type as tvl1-flow's `tvl1`, so the two
 * can be compared directly.
 */
import * as tf from '@tensorflow/tfjs';
import type { Flow, Image } from '@trajectorynet/core';
import { MotionNetError } from './errors.js';
import { stackFrames } from './unsupervised.js';

/** The same network for another input size (all its layers are convolutions): a new model with the same weights. */
export async function withInputSize(model: tf.LayersModel, height: number, width: number): Promise<tf.LayersModel> {
  if (height % 32 !== 0 || width % 32 !== 0) throw new MotionNetError('BAD_ARGUMENT', `input size must be divisible by 32, got ${width}x${height}`, { path: 'withInputSize' });
  const topology = model.toJSON(undefined, false) as unknown as { config: { layers: { class_name: string; config: { batch_input_shape: number[] } }[] } };
  const input = topology.config.layers.find((l) => l.class_name === 'InputLayer');
  if (input == null) throw new MotionNetError('BAD_INPUT', 'the model has no input layer', { path: 'withInputSize' });
  input.config.batch_input_shape = [null as unknown as number, height, width, input.config.batch_input_shape[3]];
  const resized = await tf.models.modelFromJSON({ modelTopology: topology as unknown as tf.io.ModelJSON['modelTopology'] });
  resized.setWeights(model.getWeights());
  return resized;
}

export interface PredictFlowOptions {
  /**
   * Run the network at the frames' size times `scale` (rounded to multiples of
   * 32, at least 32). Motion shrinks with the scale: pick it so that the motion
   * falls in the range the network was trained on. Default: the model's own
   * input size, whatever the frames' size.
   */
  scale?: number;
  /**
   * Before the network, give frame1 frame0's mean and spread per colour channel (a global gain and offset: exposure,
   * lighting). The unsupervised loss MotionNet learned from compares brightness, so its flow otherwise follows such a
   * change. Default false.
   */
  matchBrightness?: boolean;
}

/** The processing size of frames of width x height at `scale`: multiples of 32, at least 32. */
export function processingSize(width: number, height: number, scale: number): { width: number; height: number } {
  if (!(scale > 0)) throw new MotionNetError('BAD_ARGUMENT', `must be positive, got ${scale}`, { path: 'scale' });
  const round = (v: number) => Math.max(32, Math.round((v * scale) / 32) * 32);
  return { width: round(width), height: round(height) };
}

/** Flow from frame0 to frame1 (a pairwise model: 2 frames in). */
export async function predictFlow(model: tf.LayersModel, frame0: Image, frame1: Image, options: PredictFlowOptions = {}): Promise<Flow> {
  return (await predictFlows(model, [[frame0, frame1]], options))[0];
}

/**
 * predictFlow of several pairs of frames of one size in one batch: one
 * network call for all of them (the forward direction only), one read back.
 */
export async function predictFlows(model: tf.LayersModel, pairs: [Image, Image][], options: PredictFlowOptions = {}): Promise<Flow[]> {
  const [, modelHeight, modelWidth, channels] = model.inputs[0].shape as number[];
  if (channels !== 6) throw new MotionNetError('BAD_INPUT', `needs a pairwise model (2 frames, 6 channels), this one takes ${channels} channels`, { path: 'predictFlow' });
  if (pairs.length === 0) return [];
  const { width, height } = pairs[0][0];
  for (const frame of pairs.flat()) {
    if (frame.width !== width || frame.height !== height) throw new MotionNetError('BAD_INPUT', `frame sizes differ: ${width}x${height} and ${frame.width}x${frame.height}`, { path: 'predictFlow' });
  }
  const { width: w, height: h } = options.scale != null ? processingSize(width, height, options.scale) : { width: modelWidth, height: modelHeight };
  const network = h === modelHeight && w === modelWidth ? model : await withInputSize(model, h, w);
  const n = pairs.length;
  const flows = tf.tidy(() => {
    const frames = pairs.flat().map((f) => tf.tensor3d(f.data, [height, width, 3], 'int32'));
    let clip = tf.div(tf.image.resizeBilinear(tf.stack(frames).toFloat() as tf.Tensor4D, [h, w], false, true), 255).reshape([n, 2, h, w, 3]) as tf.Tensor5D;
    if (options.matchBrightness) clip = matchBrightness(clip);
    const outputs = network.apply(stackFrames(clip), { training: false }) as tf.Tensor[];
    // as passFlows: the 1/2-scale prediction x 20 is pixels at the network's size, upsampled to it
    const forward = tf.mul(tf.image.resizeBilinear(outputs[outputs.length - 1] as tf.Tensor4D, [h, w]), 20);
    // back to the frames' size; displacements scale with it
    return tf.mul(tf.image.resizeBilinear(forward as tf.Tensor4D, [height, width], false, true), tf.tensor1d([width / w, height / h]));
  });
  if (network !== model) network.dispose();
  const values = await flows.data();
  flows.dispose();
  return flowsFromValues(values, n, width, height);
}

/** [n, 2, h, w, c] pairs with the second frame of each rescaled to the first one's mean and standard deviation per channel. */
export function matchBrightness(pairs: tf.Tensor5D): tf.Tensor5D {
  return tf.tidy(() => {
    const [n, , h, w, c] = pairs.shape;
    const [first, second] = tf.split(pairs, 2, 1);
    const stats = (t: tf.Tensor) => {
      const { mean, variance } = tf.moments(t, [2, 3], true);
      return { mean, std: tf.sqrt(variance) };
    };
    const a = stats(first);
    const b = stats(second);
    // a flat second frame (std 0) keeps its values: nothing to match a spread to
    const gain = tf.where(tf.greater(b.std, 1e-6), tf.div(a.std, tf.maximum(b.std, 1e-6)), tf.onesLike(b.std));
    const matched = tf.add(tf.mul(tf.sub(second, b.mean), gain), a.mean);
    return tf.concat([first, matched], 1).reshape([n, 2, h, w, c]) as tf.Tensor5D;
  });
}

/** `count` flows of width x height from the values of a [count, height, width, 2] tensor (u, v interleaved). */
export function flowsFromValues(values: ArrayLike<number>, count: number, width: number, height: number): Flow[] {
  const plane = width * height;
  return Array.from({ length: count }, (_, k) => {
    const u = new Float32Array(plane);
    const v = new Float32Array(plane);
    for (let i = 0; i < plane; i++) {
      u[i] = values[2 * (k * plane + i)];
      v[i] = values[2 * (k * plane + i) + 1];
    }
    return { width, height, u, v };
  });
}
