/**
 * Optimisers for training: tfjs's SGD-with-momentum and Adam, given a learning
 * rate that changes every step, L2 weight decay and global-norm clipping.
 */
import * as tf from '@tensorflow/tfjs';
import { type NamedTensor, ScheduledAdam } from '@trajectorynet/runtime';
import { z } from 'zod';

export const OptimizerSchema = z
  .object({
    name: z.enum(['sgd', 'adam']).default('sgd'),
    lr: z.number().positive().default(0.01),
    /** sgd only. */
    momentum: z.number().min(0).lt(1).default(0.9),
    nesterov: z.boolean().default(false),
    /** L2 penalty added to the gradient of every kernel (not to biases or BatchNorm). */
    weightDecay: z.number().min(0).default(5e-4),
    /** Rescale the gradients so that their global L2 norm is at most this; 0 disables. */
    clipNorm: z.number().min(0).default(0),
  })
  .strict();
export type OptimizerConfig = z.infer<typeof OptimizerSchema>;

export interface Trainable {
  /** Applies one update with `grads` (by variable name) at learning rate `lr`, on the device (no reads). */
  step(grads: tf.NamedTensorMap, lr: number): void;
  /** The optimiser's slots (moments, velocities) for checkpoints. */
  getState(): Promise<NamedTensor[]>;
  setState(state: NamedTensor[]): Promise<void>;
  dispose(): void;
}

/** True for variables that weight decay applies to: conv and dense kernels, not biases or BatchNorm. */
export function isDecayed(variableName: string): boolean {
  return /kernel/i.test(variableName);
}

/** The global L2 norm of a set of gradients, as a scalar tensor. */
export function globalNorm(grads: tf.Tensor[]): tf.Scalar {
  return tf.tidy(() => tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g))))) as tf.Scalar);
}

export function createOptimizer(config: OptimizerConfig, variables: tf.Variable[]): Trainable {
  const byName = new Map(variables.map((v) => [v.name, v]));
  const optimizer =
    config.name === 'adam' ? new ScheduledAdam(config.lr, 0.9, 0.999, 1e-8) : new tf.MomentumOptimizer(config.lr, config.momentum, config.nesterov);
  return {
    step(grads, lr) {
      optimizer.setLearningRate(lr);
      const names = Object.keys(grads);
      const adjusted = tf.tidy(() => {
        // clipping scales by min(1, clipNorm / norm), computed on the device (only when clipping is on)
        const scale = config.clipNorm > 0 ? tf.minimum(1, tf.div(config.clipNorm, tf.maximum(globalNorm(names.map((n) => grads[n])), 1e-12))) : null;
        const out: tf.NamedTensorMap = {};
        for (const name of names) {
          let g = scale == null ? grads[name] : tf.mul(grads[name], scale);
          const variable = byName.get(name);
          if (config.weightDecay > 0 && variable != null && isDecayed(name)) g = tf.add(g, tf.mul(variable, config.weightDecay));
          out[name] = g === grads[name] ? tf.clone(g) : g;
        }
        return out;
      });
      optimizer.applyGradients(adjusted as Parameters<typeof optimizer.applyGradients>[0]);
      tf.dispose(Object.values(adjusted));
    },
    getState: () => optimizer.getWeights(),
    setState: (state) => optimizer.setWeights(state),
    dispose: () => optimizer.dispose(),
  };
}
