/**
 * Evaluation: class scores of every clip (and crop), averaged per video as
 * softmax probabilities (multi-clip x multi-crop testing), then metrics.
 */
import * as tf from '@tensorflow/tfjs';
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
