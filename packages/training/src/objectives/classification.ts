/**
 * Classification: cross-entropy of the recognizer's logits, plus the
 * weighted auxiliary loss of a jointly trained MotionNet (the paper keeps
 * MotionNet's unsupervised losses when fine-tuning it with the classifier).
 */
import * as tf from '@tensorflow/tfjs';
import type { Recognizer } from '@trajectorynet/recognizer';
import { type ClipBatch, recognizerInput } from '../data/batches.js';
import type { Objective } from '../loop/loop.js';

export function classificationObjective(recognizer: Recognizer, options: { auxWeight: number }): Objective<ClipBatch> {
  return {
    compute(batch, training) {
      const input = recognizerInput(batch);
      const { logits, auxLoss } = recognizer.forward(input, training);
      const crossEntropy = tf.losses.softmaxCrossEntropy(tf.oneHot(input.labels, logits.shape[1]), logits) as tf.Scalar;
      const joint = auxLoss != null && options.auxWeight > 0;
      const motion = joint ? (tf.mul(auxLoss, options.auxWeight) as tf.Scalar) : null;
      const loss = motion != null ? (tf.add(crossEntropy, motion) as tf.Scalar) : crossEntropy;
      // correct top-1 predictions, summed on the device (the loop reads them at log points)
      const top1 = tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), input.labels), 'float32')) as tf.Scalar;
      // a joint loss is logged by its terms: the cross-entropy (comparable with validation's) and MotionNet's weighted unsupervised loss
      return { loss, sums: { top1 }, terms: motion != null ? { loss_cls: crossEntropy, loss_motionnet: motion } : undefined };
    },
    count: (batch) => batch.labels.length,
  };
}
