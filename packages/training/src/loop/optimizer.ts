/**
 * Optimisers for training: tfjs's SGD-with-momentum and Adam, given a learning
 * rate that changes every step, L2 weight decay and global-norm clipping.
 */
import * as tf from '@tensorflow/tfjs';
import { type NamedTensor, ScheduledAdam, ScheduledMomentum } from '@trajectorynet/runtime';
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

/**
 * The optimiser over `variables`. `lrScaleOf` gives a variable's learning rate
 * as a multiple of the schedule's (mmaction2's paramwise `lr_mult`; default 1):
 * each distinct multiple gets its own optimiser, so a pretrained part (MotionNet)
 * can move slower than the rest. Clipping still uses the norm of all gradients.
 */
export function createOptimizer(config: OptimizerConfig, variables: tf.Variable[], lrScaleOf: (variable: tf.Variable) => number = () => 1): Trainable {
  const scales = [...new Set(variables.map(lrScaleOf))].sort((a, b) => b - a);
  if (scales.length <= 1) return singleOptimizer(config, variables, scales[0] ?? 1);
  // the group at 1x (or the fastest) keeps unprefixed slot names, so checkpoints read the same without groups
  const main = scales.includes(1) ? 1 : scales[0];
  const groups = scales.map((scale) => ({
    scale,
    prefix: scale === main ? '' : `lr_mult_${scale}:`,
    names: new Set(variables.filter((v) => lrScaleOf(v) === scale).map((v) => v.name)),
    optimizer: singleOptimizer({ ...config, clipNorm: 0 }, variables.filter((v) => lrScaleOf(v) === scale), scale),
  }));
  return {
    step(grads, lr) {
      const all = Object.values(grads);
      // one clipping factor from the global norm of every group's gradients
      const scale = config.clipNorm > 0 ? tf.tidy(() => tf.minimum(1, tf.div(config.clipNorm, tf.maximum(globalNorm(all), 1e-12))) as tf.Scalar) : null;
      for (const group of groups) {
        const own = Object.fromEntries(Object.entries(grads).filter(([name]) => group.names.has(name)));
        const clipped = scale == null ? own : tf.tidy(() => Object.fromEntries(Object.entries(own).map(([name, g]) => [name, tf.mul(g, scale)])));
        group.optimizer.step(clipped, lr);
        if (clipped !== own) tf.dispose(Object.values(clipped));
      }
      scale?.dispose();
    },
    async getState() {
      const states = await Promise.all(groups.map((g) => g.optimizer.getState()));
      return groups.flatMap((g, k) => states[k].map((s) => ({ name: `${g.prefix}${s.name}`, tensor: s.tensor })));
    },
    async setState(state) {
      for (const group of groups) {
        const own = state.filter((s) => (group.prefix === '' ? !s.name.startsWith('lr_mult_') : s.name.startsWith(group.prefix)));
        await group.optimizer.setState(own.map((s) => ({ name: s.name.slice(group.prefix.length), tensor: s.tensor })));
      }
    },
    dispose: () => {
      for (const group of groups) group.optimizer.dispose();
    },
  };
}

/** One tfjs optimiser over `variables`, its learning rate `lrScale` times the schedule's. */
function singleOptimizer(config: OptimizerConfig, variables: tf.Variable[], lrScale: number): Trainable {
  const decayed = new Set(variables.filter((v) => config.weightDecay > 0 && isDecayed(v.name)).map((v) => v.name));
  const decayOf = (name: string) => (decayed.has(name) ? config.weightDecay : 0);
  // one native call per step under wasm with the libtorch kernels, tfjs's kernels otherwise (same numbers)
  const optimizer =
    config.name === 'adam' ? new ScheduledAdam(config.lr, 0.9, 0.999, 1e-8) : new ScheduledMomentum(config.lr, config.momentum, config.nesterov);
  return {
    step(grads, lr) {
      optimizer.setLearningRate(lr * lrScale);
      // clipping scales by min(1, clipNorm / norm), computed on the device (only when clipping is on)
      const scale =
        config.clipNorm > 0
          ? tf.tidy(() => tf.minimum(1, tf.div(config.clipNorm, tf.maximum(globalNorm(Object.values(grads)), 1e-12))) as tf.Scalar)
          : null;
      optimizer.applyAdjusted(grads, { scale, decayOf });
      scale?.dispose();
    },
    getState: () => optimizer.getWeights(),
    setState: (state) => optimizer.setWeights(state),
    dispose: () => optimizer.dispose(),
  };
}
