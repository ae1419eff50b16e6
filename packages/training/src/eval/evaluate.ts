/**
 * Evaluation: class scores of every clip (and crop), averaged per video as
 * softmax probabilities (multi-clip x multi-crop testing), then metrics.
 */
import * as tf from '@tensorflow/tfjs';
import type { ClassifierAdapter, HostBatch } from '../train/batch.js';
import { toTensors } from '../train/batch.js';
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
export async function scoreVideos(model: ClassifierAdapter, batches: AsyncIterable<HostBatch>): Promise<{ videos: VideoScores[]; loss: number; views: number; seconds: number }> {
  const sums = new Map<number, { sum: Float64Array; count: number; label: number }>();
  let lossSum = 0;
  let views = 0;
  const started = Date.now();
  for await (const batch of batches) {
    const [probabilities, losses] = tf.tidy(() => {
      const tensors = toTensors(batch);
      const { logits } = model.forward(tensors, false);
      const ce = tf.losses.softmaxCrossEntropy(tf.oneHot(tensors.labels, logits.shape[1]), logits, undefined, undefined, tf.Reduction.NONE);
      return [tf.softmax(logits), ce];
    });
    const p = await probabilities.data();
    const l = await losses.data();
    tf.dispose([probabilities, losses]);
    const classes = p.length / batch.labels.length;
    for (let i = 0; i < batch.labels.length; i++) {
      const key = batch.sampleIndex[i];
      let entry = sums.get(key);
      if (entry == null) {
        entry = { sum: new Float64Array(classes), count: 0, label: batch.labels[i] };
        sums.set(key, entry);
      }
      for (let c = 0; c < classes; c++) entry.sum[c] += p[i * classes + c];
      entry.count += 1;
      lossSum += l[i];
      views += 1;
    }
  }
  const videos = [...sums.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([sampleIndex, e]) => ({ sampleIndex, label: e.label, probabilities: Float32Array.from(e.sum, (v) => v / e.count) }));
  return { videos, loss: views === 0 ? 0 : lossSum / views, views, seconds: (Date.now() - started) / 1000 };
}

export async function evaluate(model: ClassifierAdapter, batches: AsyncIterable<HostBatch>, labels: string[]): Promise<EvaluationReport> {
  const { videos, loss, views, seconds } = await scoreVideos(model, batches);
  const metrics = new MetricsAccumulator(labels);
  for (const v of videos) metrics.add(v.probabilities, v.label);
  return { ...metrics.report(), loss, views, clipsPerSecond: seconds > 0 ? views / seconds : 0 };
}
