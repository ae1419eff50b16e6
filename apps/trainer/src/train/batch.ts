/** A batch as it comes off the loader (plain arrays), and as tensors for the model. */
import * as tf from '@tensorflow/tfjs';

export interface HostBatch {
  /** [N, T, H, W, 3] float32, normalised. */
  clips: Float32Array;
  clipShape: [number, number, number, number, number];
  labels: Int32Array;
  /** Trajectory offsets [N, T, H, W, K, 2] in input pixels, when the model takes them from a flow file/TV-L1. */
  offsets?: Float32Array;
  offsetShape?: number[];
  /** Which dataset sample each clip came from (several clips/crops of one video share it at test time). */
  sampleIndex: Int32Array;
}

export interface BatchTensors {
  clips: tf.Tensor5D;
  labels: tf.Tensor1D;
  offsets?: tf.Tensor;
}

/** Makes tensors of a host batch (the caller disposes them, or runs this inside tf.tidy). */
export function toTensors(batch: HostBatch): BatchTensors {
  return {
    clips: tf.tensor5d(batch.clips, batch.clipShape),
    labels: tf.tensor1d(batch.labels, 'int32'),
    offsets: batch.offsets != null && batch.offsetShape != null ? tf.tensor(batch.offsets, batch.offsetShape) : undefined,
  };
}

/** A classifier as the training loop sees it. */
export interface ClassifierAdapter {
  /** Every weight to checkpoint (trainable and not: BatchNorm statistics too). */
  readonly weights: readonly tf.LayerVariable[];
  /** The variables the optimiser updates, in a fixed order. */
  trainableVariables(): tf.Variable[];
  /** Class logits [N, classes], and an auxiliary loss (MotionNet's) when there is one. */
  forward(batch: BatchTensors, training: boolean): { logits: tf.Tensor2D; auxLoss?: tf.Scalar };
  dispose(): void;
}
