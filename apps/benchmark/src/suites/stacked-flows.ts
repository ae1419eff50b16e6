/**
 * A stacked MotionNet-(N)'s forward flows of one clip: the N - 1 consecutive
 * pairs of N frames from one pass of the network, at the frames' size (the
 * flow table of the accuracy suite and the motionnet suite both measure them).
 */
import * as tf from '@tensorflow/tfjs';
import type { Flow } from '@trajectorynet/core';
import { flowsFromValues, motionFlows } from '@trajectorynet/motionnet';

/** Forward flows of the first `pairs` consecutive pairs (default all) of `frames` (uint8 RGB, width x height), one read-back. */
export async function stackedFlows(model: tf.LayersModel, frames: Uint8Array[], width: number, height: number, pairs = frames.length - 1): Promise<Flow[]> {
  const flows = tf.tidy(() => {
    const data = new Uint8Array(frames.length * width * height * 3);
    for (const [i, f] of frames.entries()) data.set(f, i * f.length);
    const clip = tf.div(tf.tensor(data, [1, frames.length, height, width, 3], 'float32'), 255) as tf.Tensor5D;
    return tf.slice(motionFlows(model, clip).forward, [0, 0, 0, 0, 0], [1, pairs, height, width, 2]);
  });
  const values = await flows.data();
  flows.dispose();
  return flowsFromValues(values, pairs, width, height);
}
