/**
 * Evaluation: class scores of every clip (and crop), averaged per video as
 * softmax probabilities (multi-clip x multi-crop testing), then metrics.
 */
import * as tf from '@tensorflow/tfjs';
import type { DataParallel } from '@trajectorynet/distributed';
import type { Recognizer } from '@trajectorynet/recognizer';
import { type ClipBatch, recognizerInput } from '../data/batches.js';
import { type ClassificationReport, MetricsAccumulator } from './metrics.js';

export interface EvaluationReport extends ClassificationReport {
  /** Mean cross-entropy over clips. */
  loss: number;
  /** Clips (views) scored, >= clips (videos) when several views per video are averaged. */
  views: number;
  clipsPerSecond: number;
}

export interface VideoScores {
  sampleIndex: number;
  label: number;
  /** Mean softmax over the video's views. */
  probabilities: Float32Array;
}

/** Runs the model on every batch and averages the softmax of the views of each sample. */
export async function scoreVideos(model: Recognizer, batches: AsyncIterable<ClipBatch>): Promise<{ videos: VideoScores[]; loss: number; views: number; seconds: number }> {
  const sums = new Map<number, { sum: Float64Array; count: number; label: number }>();
  let lossSum = 0;
  let viewsScored = 0;
  const started = Date.now();
  for await (const batch of batches) {
    const [probabilities, losses] = tf.tidy(() => {
      const input = recognizerInput(batch);
      const { logits } = model.forward(input, false);
      const ce = tf.losses.softmaxCrossEntropy(tf.oneHot(input.labels, logits.shape[1]), logits, undefined, undefined, tf.Reduction.NONE);
      return [tf.softmax(logits), ce];
    });
    const p = await probabilities.data();
    const l = await losses.data();
    tf.dispose([probabilities, losses]);
    const views = batch.shape[1];
    const items = batch.labels.length * views;
    const classes = p.length / items;
    for (let i = 0; i < items; i++) {
      const sample = Math.floor(i / views);
      const key = batch.sampleIndex[sample];
      let entry = sums.get(key);
      if (entry == null) {
        entry = { sum: new Float64Array(classes), count: 0, label: batch.labels[sample] };
        sums.set(key, entry);
      }
      for (let c = 0; c < classes; c++) entry.sum[c] += p[i * classes + c];
      entry.count += 1;
      lossSum += l[i];
      viewsScored += 1;
    }
  }
  const videos = [...sums.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([sampleIndex, e]) => ({ sampleIndex, label: e.label, probabilities: Float32Array.from(e.sum, (v) => v / e.count) }));
  return { videos, loss: viewsScored === 0 ? 0 : lossSum / viewsScored, views: viewsScored, seconds: (Date.now() - started) / 1000 };
}

export async function evaluate(model: Recognizer, batches: AsyncIterable<ClipBatch>, labels: string[]): Promise<EvaluationReport> {
  return reportOf(await scoreVideos(model, batches), labels);
}

/** The metrics of scored videos. */
export function reportOf({ videos, loss, views, seconds }: Awaited<ReturnType<typeof scoreVideos>>, labels: string[]): EvaluationReport {
  const metrics = new MetricsAccumulator(labels);
  for (const v of videos) metrics.add(v.probabilities, v.label);
  return { ...metrics.report(), loss, views, clipsPerSecond: seconds > 0 ? views / seconds : 0 };
}

/** The samples rank `rank` of `worldSize` evaluates: sample i of the whole set when i mod worldSize = rank (a shard's sample s is the set's s x worldSize + rank). */
export function evalShard<T>(samples: readonly T[], rank: number, worldSize: number): T[] {
  return samples.filter((_, i) => i % worldSize === rank);
}

/**
 * Sharded evaluation over the ranks of `parallel`: this rank scores its shard
 * (`batches` of `evalShard`'s samples), then one allreduce of a buffer holding
 * every video's probabilities, its count and label, the loss sum and the
 * views gives every rank the scores of the whole set of `samples` videos. A
 * video's probabilities come from the one rank that scored it (the others add
 * zeros), so they are those of one process scoring everything; the mean loss
 * differs only by the order of its sum. Videos no rank scored (skipped as bad)
 * are left out, as one process leaves them out.
 */
export async function scoreVideosSharded(
  model: Recognizer,
  batches: AsyncIterable<ClipBatch>,
  whole: { samples: number; classes: number; parallel: DataParallel },
): Promise<Awaited<ReturnType<typeof scoreVideos>>> {
  const { samples, classes, parallel } = whole;
  const started = Date.now();
  const local = await scoreVideos(model, batches);
  // [samples x classes probabilities][samples counts][samples labels][loss sum, views]
  const counts = samples * classes;
  const labels = counts + samples;
  const totals = labels + samples;
  const buffer = new Float32Array(totals + 2);
  for (const video of local.videos) {
    const index = video.sampleIndex * parallel.worldSize + parallel.rank;
    if (index >= samples || video.probabilities.length !== classes) throw new RangeError(`sharded evaluation: video ${video.sampleIndex} of rank ${parallel.rank} is not one of the ${samples} videos of ${classes} classes`);
    buffer.set(video.probabilities, index * classes);
    buffer[counts + index] = 1;
    buffer[labels + index] = video.label;
  }
  buffer[totals] = local.loss * local.views;
  buffer[totals + 1] = local.views;
  await parallel.group.allreduce(buffer);
  const videos: VideoScores[] = [];
  for (let i = 0; i < samples; i++) {
    const count = buffer[counts + i];
    if (count === 0) continue;
    if (count !== 1) throw new RangeError(`sharded evaluation: video ${i} was scored by ${count} ranks`);
    videos.push({ sampleIndex: i, label: buffer[labels + i], probabilities: buffer.slice(i * classes, (i + 1) * classes) });
  }
  const views = buffer[totals + 1];
  return { videos, loss: views === 0 ? 0 : buffer[totals] / views, views, seconds: (Date.now() - started) / 1000 };
}

/** `evaluate` split over the ranks (see scoreVideosSharded): every rank gets the report of the whole set. */
export async function evaluateSharded(model: Recognizer, batches: AsyncIterable<ClipBatch>, labels: string[], samples: number, parallel: DataParallel): Promise<EvaluationReport> {
  return reportOf(await scoreVideosSharded(model, batches, { samples, classes: labels.length, parallel }), labels);
}
