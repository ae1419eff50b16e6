/** A batch as it comes off the loader (plain arrays), and as tensors for the model. */
import * as tf from '@tensorflow/tfjs';

export interface HostBatch {
  /** [N, T, H, W, 3] float32, normalised. */
  clips: Float32Array;
  clipShape: [number, number, number, number, number];
  labels: Int32Array;
  /**
   * TV-L1 flows between the clip's frames, when the model follows trajectories:
   * [N, 2, T-1, H, W, 2], forward flows (frame t -> t+1) then backward flows (frame t+1 -> t).
   */
  flows?: Float32Array;
  /** Which dataset sample each clip came from (several clips/crops of one video share it at test time). */
  sampleIndex: Int32Array;
}

export interface BatchTensors {
  clips: tf.Tensor5D;
  labels: tf.Tensor1D;
  /** [N, T-1, H, W, 2] each. */
  forwardFlows?: tf.Tensor;
  backwardFlows?: tf.Tensor;
}

/** Makes tensors of a host batch (the caller disposes them, or runs this inside tf.tidy). */
export function toTensors(batch: HostBatch): BatchTensors {
  const [n, t, h, w] = batch.clipShape;
  const clips = tf.tensor5d(batch.clips, batch.clipShape);
  const labels = tf.tensor1d(batch.labels, 'int32');
  if (batch.flows == null) return { clips, labels };
  const both = tf.tensor(batch.flows, [n, 2, t - 1, h, w, 2]);
  const [forward, backward] = tf.unstack(both, 1);
  both.dispose();
  return { clips, labels, forwardFlows: forward, backwardFlows: backward };
}

/** A classifier as the training loop sees it. */
export interface ClassifierAdapter {
  /** Every weight to checkpoint (trainable and not: BatchNorm statistics too). */
  readonly weights: readonly tf.LayerVariable[];
  /** The variables the optimiser updates, in a fixed order. */
  trainableVariables(): tf.Variable[];
  /** Class logits [N, classes], and an auxiliary loss (MotionNet's) when there is one. */
  forward(batch: BatchTensors, training: boolean): { logits: tf.Tensor2D; auxLoss?: tf.Scalar };
  /** The underlying tfjs model, when there is one (for weight inflation). */
  readonly network?: tf.LayersModel;
  /** MotionNet, when it is trained jointly (for its pretrained weights). */
  readonly flowNetwork?: tf.LayersModel;
  dispose(): void;
}
