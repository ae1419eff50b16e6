/**
 * Classifying frames already decoded (a web page decodes with the browser):
 * which frames and flow pairs the test pipeline needs, the clip views, and
 * the mean softmax over views. The clip is made by video-io's
 * `clipFromFrames`, the code `predict` runs on ffmpeg's frames in Node.
 */
import * as tf from '@tensorflow/tfjs';
import type { Recognizer } from '@trajectorynet/recognizer';
import { clipFromFrames, clipPairs, type PairFlows, pipelineViews, testClipIndices } from '@trajectorynet/video-io';
import type { WebModelManifest } from './format.js';

export interface FramePlan {
  /** The video frame numbers of each test clip. */
  clips: number[][];
  /** The consecutive pairs whose flows the clips chain through (pair j: frames j -> j+1); empty without TV-L1. */
  pairs: number[];
  /** Every frame to decode: the clips' and the pairs', sorted. */
  frames: number[];
}

/** What to decode from a video of `frameCount` frames, and which flows to compute. */
export function framePlan(manifest: WebModelManifest, frameCount: number): FramePlan {
  const clips = testClipIndices(manifest.pipeline, frameCount);
  const pairs = manifest.trajectories.source === 'tvl1' ? clipPairs(clips) : [];
  const frames = [...new Set([...clips.flat(), ...pairs, ...pairs.map((j) => j + 1)])].sort((a, b) => a - b);
  return { clips, pairs, frames };
}

export interface ClipViews {
  /** [views, T, H, W, 3] normalised floats. */
  data: Float32Array;
  shape: number[];
  /** [views, 2, T-1, H, W, 2]: forward then backward flows per view, in clip pixels (TV-L1 models). */
  flows?: Float32Array;
}

/**
 * The test views of decoded frames (`frames.get(i)`: rgb24 of frame i at the
 * decoding size, i.e. resized with `resizeRgb` when the pipeline has
 * `resizeShorter`), as `predict` makes them.
 */
export async function clipViews(manifest: WebModelManifest, plan: FramePlan, frames: { width: number; height: number; get(index: number): Uint8Array }, pairs: PairFlows | null): Promise<ClipViews> {
  const unique = [...new Set(plan.clips.flat())].sort((a, b) => a - b);
  const decoded = {
    frames: { width: frames.width, height: frames.height, frames: unique.map((i) => frames.get(i)) },
    clips: plan.clips.map((indices) => ({ indices, positions: indices.map((i) => unique.indexOf(i)) })),
  };
  // test pipelines draw nothing at random (fixed frames, fixed crops, no flips)
  const clip = await clipFromFrames(decoded, manifest.pipeline, () => 0.5, manifest.trajectories.source === 'tvl1' ? pairs : null);
  const [t, h, w] = [plan.clips[0].length, manifest.pipeline.size[1], manifest.pipeline.size[0]];
  return { data: clip.data, shape: [pipelineViews(manifest.pipeline), t, h, w, 3], flows: clip.flows };
}

export interface Classification {
  /** Mean softmax over the views (what `predict` prints). */
  probabilities: Float32Array;
  /** Per view: the offsets each temporal tap of a trajectory conv samples at the clip's resolution, [views, T, H, W, K, 2] (TrajectoryNet: from TV-L1 or MotionNet). */
  offsets?: { data: Float32Array; shape: number[] };
}

/**
 * Runs the recognizer on the views, one batch, and averages their softmax. Tensors are disposed.
 * The logits and the offsets are read back together, and the softmax of the few logits is taken
 * here in float64 (as tf.softmax: exp(l - max) / sum): on WebGL, tf.softmax would be five more
 * programs and a read-back in turn.
 *
 * `syncRead`: read them back with `dataSync()` instead of `data()`. On WebGL `data()` waits for a
 * fence that tfjs polls from zero-delay timers, which the browser spaces 4 ms apart once they nest;
 * `dataSync()` blocks the page until the programs have run and reads at once (2-8 ms less per run
 * on SwiftShader, apps/web README), at the price of a page that does not respond meanwhile.
 */
export async function classifyViews(recognizer: Recognizer, views: ClipViews, options: { syncRead?: boolean } = {}): Promise<Classification> {
  const [v, t, h, w] = views.shape;
  const { logits, offsets } = tf.tidy((): { logits: tf.Tensor; offsets?: tf.Tensor } => {
    const clips = tf.tensor5d(views.data, [v, t, h, w, 3]);
    let flows: { forward: tf.Tensor; backward: tf.Tensor } | undefined;
    if (views.flows != null) {
      const [forward, backward] = tf.unstack(tf.tensor(views.flows, [v, 2, t - 1, h, w, 2]), 1);
      flows = { forward, backward };
    }
    const { logits, offsets } = recognizer.forward({ clips, flows }, false);
    return offsets != null ? { logits, offsets } : { logits };
  });
  const [l, o] = options.syncRead === true ? [logits.dataSync(), offsets?.dataSync()] : await Promise.all([logits.data(), offsets?.data()]);
  const classes = l.length / v;
  const sum = new Float64Array(classes);
  for (let i = 0; i < v; i++) {
    const row = l.subarray(i * classes, (i + 1) * classes);
    const max = Math.max(...row);
    const exps = Array.from(row, (x) => Math.exp(x - max));
    const total = exps.reduce((a, b) => a + b, 0);
    for (let c = 0; c < classes; c++) sum[c] += exps[c] / total;
  }
  const result: Classification = { probabilities: Float32Array.from(sum, (s) => s / v) };
  if (offsets != null && o != null) result.offsets = { data: o as Float32Array, shape: offsets.shape };
  tf.dispose(offsets != null ? [logits, offsets] : [logits]);
  return result;
}
