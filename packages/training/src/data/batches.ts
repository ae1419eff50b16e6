/**
 * Batches of clips for a recognizer: video-io's loader over a dataset with
 * the run's pipeline, on worker threads, the same whatever the thread count
 * (every sample's random stream comes from (seed, epoch, index)); and the
 * tensors a recognizer takes, with test-time views (clips x crops) flattened.
 */
import * as tf from '@tensorflow/tfjs';
import type { RecognizerInput } from '@trajectorynet/recognizer';
import { type ClipPipeline, createLoader, type Dataset, pipelineViews } from '@trajectorynet/video-io';

export interface ClipBatch {
  /** [N, V, T, H, W, 3] floats (V views per sample at test time, 1 in training). */
  clips: Float32Array;
  /** [N, V, T, H, W]. */
  shape: [number, number, number, number, number];
  labels: Int32Array;
  /** [N, V, 2, T-1, H, W, 2]: forward then backward flows of each view, when the pipeline has flows. */
  flows?: Float32Array;
  /** Which dataset sample each item came from. */
  sampleIndex: Int32Array;
}

export interface BatchOptions {
  batchSize: number;
  seed: number;
  shuffle: boolean;
  workers: number;
  prefetch: number;
  dropLast: boolean;
  skipBad: boolean;
  /** Called with each sample skipped as bad (skipBad). */
  onSkip?: (sample: string, error: string) => void;
}

/** The batches of one pass: `(epoch, skipBatches)`; the order and augmentation depend only on (seed, epoch). */
export function clipBatches(dataset: Dataset, pipeline: ClipPipeline, options: BatchOptions): (epoch: number, skipBatches: number) => AsyncIterable<ClipBatch> {
  const views = pipelineViews(pipeline);
  return (epoch, skipBatches) => {
    const loader = createLoader(dataset, pipeline, {
      batchSize: options.batchSize,
      shuffle: options.shuffle,
      seed: options.seed,
      epoch,
      startAt: skipBatches * options.batchSize,
      workers: options.workers,
      prefetch: Math.max(options.batchSize, options.prefetch),
      skipBad: options.skipBad,
      dropLast: options.dropLast,
    });
    return (async function* () {
      let reported = 0;
      for await (const batch of loader) {
        for (; reported < loader.skipped.length; reported++) options.onSkip?.(dataset.samples[loader.skipped[reported].index].path, loader.skipped[reported].error);
        const [n, ...rest] = batch.shape;
        const clip = views === 1 ? rest : rest.slice(1);
        yield {
          clips: batch.data,
          shape: [n, views, clip[0], clip[1], clip[2]],
          labels: batch.labels,
          flows: batch.flows,
          sampleIndex: batch.indices,
        };
      }
    })();
  };
}

/** The recognizer's input for a batch, views flattened into the batch: clips [N*V, T, H, W, 3] (the caller disposes, or runs this in tf.tidy). */
export function recognizerInput(batch: ClipBatch): RecognizerInput & { labels: tf.Tensor1D } {
  const [n, views, t, h, w] = batch.shape;
  const clips = tf.tensor5d(batch.clips, [n * views, t, h, w, 3]);
  const labels = tf.tensor1d(views === 1 ? batch.labels : Int32Array.from({ length: n * views }, (_, i) => batch.labels[Math.floor(i / views)]), 'int32');
  if (batch.flows == null) return { clips, labels };
  // split forward and backward on the host: unstacking a rank-6 tensor copies element by element on wasm
  const count = n * views;
  const block = (t - 1) * h * w * 2;
  const forward = new Float32Array(count * block);
  const backward = new Float32Array(count * block);
  for (let i = 0; i < count; i++) {
    forward.set(batch.flows.subarray(2 * i * block, (2 * i + 1) * block), i * block);
    backward.set(batch.flows.subarray((2 * i + 1) * block, (2 * i + 2) * block), i * block);
  }
  const shape: [number, number, number, number, number] = [count, t - 1, h, w, 2];
  return { clips, labels, flows: { forward: tf.tensor5d(forward, shape), backward: tf.tensor5d(backward, shape) } };
}
