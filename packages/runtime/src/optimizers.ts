/** Optimiser variants that training loops with schedules and exact resumption need. */
import * as tf from '@tensorflow/tfjs';

/**
 * tfjs's Adam with two changes: the learning rate can be set at every step
 * (schedules), and the bias-correction powers beta^t are computed in closed
 * form before every step. tfjs multiplies them by beta at each step but
 * recomputes them with pow() when its state is restored (setWeights); the two
 * differ in the last bits, so a run resumed from a checkpoint would drift from
 * the uninterrupted run. With the closed form both follow the same numbers.
 */
export class ScheduledAdam extends tf.AdamOptimizer {
  setLearningRate(rate: number): void {
    this.learningRate = rate;
  }

  override applyGradients(variableGradients: Parameters<tf.AdamOptimizer['applyGradients']>[0]): void {
    // accBeta1/2 are private in tfjs's typings
    const powers = this as unknown as { accBeta1: tf.Variable; accBeta2: tf.Variable };
    tf.tidy(() => {
      powers.accBeta1.assign(tf.scalar(this.beta1 ** (this.iterations + 1)));
      powers.accBeta2.assign(tf.scalar(this.beta2 ** (this.iterations + 1)));
    });
    super.applyGradients(variableGradients);
  }
}
