/**
 * Optimiser variants that training loops with schedules, exact resumption and
 * native speed need: tfjs's Adam and SGD with momentum, with the learning rate
 * set at every step, and `applyAdjusted`, which applies gradients after
 * global-norm clipping and L2 weight decay. Under wasm with the libtorch
 * kernels that whole step is one native call over all variables (the same
 * numbers, bit for bit); otherwise tfjs's kernels do it. The state
 * (getWeights / setWeights, what checkpoints hold) is tfjs's either way.
 */
import * as tf from '@tensorflow/tfjs';
import type { adamStep, momentumStep } from '@trajectorynet/torch-kernels';

/** The fused steps of the libtorch kernels (Node only: set by initBackend, so that this module stays browser-safe). */
export interface NativeOptimizerSteps {
  adamStep: typeof adamStep;
  momentumStep: typeof momentumStep;
}
let nativeOptimizerSteps: () => NativeOptimizerSteps | null = () => null;

/** Where the optimizers find the fused native steps (backend.ts sets it). */
export function useNativeOptimizerSteps(source: () => NativeOptimizerSteps | null): void {
  nativeOptimizerSteps = source;
}

/** What happens to the gradients before the update. */
export interface GradientAdjustment {
  /** Every gradient is multiplied by this scalar first (global-norm clipping), or null. */
  scale: tf.Scalar | null;
  /** L2 weight decay of a variable (0: none): its gradient gets value * decay added. */
  decayOf(variableName: string): number;
}

/** The gradients tfjs's optimizers get when the step is not fused: g * scale, then + value * decay. */
function adjustedGradients(grads: tf.NamedTensorMap, adjustment: GradientAdjustment): tf.NamedTensorMap {
  return tf.tidy(() => {
    const out: tf.NamedTensorMap = {};
    for (const [name, gradient] of Object.entries(grads)) {
      let g = adjustment.scale == null ? gradient : tf.mul(gradient, adjustment.scale);
      const decay = adjustment.decayOf(name);
      if (decay > 0) g = tf.add(g, tf.mul(tf.engine().registeredVariables[name], decay));
      out[name] = g === gradient ? tf.clone(g) : g;
    }
    return out;
  });
}

type Slot = { originalName: string; variable: tf.Variable };

/** The slot of variable `name` at position i, created as tfjs creates it (zeros, by position, named `${name}/${suffix}`). */
function slotAt(slots: Slot[], i: number, name: string, suffix: string): tf.Variable {
  slots[i] ??= { originalName: `${name}/${suffix}`, variable: tf.tidy(() => tf.zerosLike(tf.engine().registeredVariables[name]).variable(false)) };
  return slots[i].variable;
}

function variablesOf(names: string[]): tf.Variable[] {
  return names.map((name) => {
    const variable = tf.engine().registeredVariables[name];
    if (variable == null) throw new RangeError(`optimizer: no variable named ${name}`);
    return variable;
  });
}

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

  /** accBeta1/2 and the moments (private in tfjs's typings). */
  private get slots() {
    return this as unknown as { accBeta1: tf.Variable; accBeta2: tf.Variable; accumulatedFirstMoment: Slot[]; accumulatedSecondMoment: Slot[] };
  }

  override applyGradients(variableGradients: Parameters<tf.AdamOptimizer['applyGradients']>[0]): void {
    this.setPowers();
    super.applyGradients(variableGradients);
  }

  /** One step with clipping and weight decay: one native call when the libtorch kernels are on, else tfjs's kernels. */
  applyAdjusted(grads: tf.NamedTensorMap, adjustment: GradientAdjustment): void {
    const native = nativeOptimizerSteps();
    const names = Object.keys(grads);
    if (native != null) {
      const s = this.slots;
      const variables = variablesOf(names);
      const firstMoments = names.map((name, i) => slotAt(s.accumulatedFirstMoment, i, name, 'm'));
      const secondMoments = names.map((name, i) => slotAt(s.accumulatedSecondMoment, i, name, 'v'));
      const t = this.iterations + 1;
      const done = native.adamStep({
        variables, gradients: names.map((n) => grads[n]), firstMoments, secondMoments, decays: names.map((n) => adjustment.decayOf(n)),
        scale: adjustment.scale, learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon,
        accBeta1: this.beta1 ** t, accBeta2: this.beta2 ** t,
      });
      if (done) {
        // what tfjs's step leaves behind: the powers advanced, one more iteration
        this.setPowers();
        tf.tidy(() => {
          s.accBeta1.assign(tf.mul(s.accBeta1, this.beta1));
          s.accBeta2.assign(tf.mul(s.accBeta2, this.beta2));
        });
        this.incrementIterations();
        return;
      }
    }
    const adjusted = adjustedGradients(grads, adjustment);
    this.applyGradients(adjusted as Record<string, tf.Variable>); // typed as variables, read as gradients
    tf.dispose(Object.values(adjusted));
  }

  private setPowers(): void {
    const s = this.slots;
    tf.tidy(() => {
      s.accBeta1.assign(tf.scalar(this.beta1 ** (this.iterations + 1)));
      s.accBeta2.assign(tf.scalar(this.beta2 ** (this.iterations + 1)));
    });
  }
}

/** tfjs's SGD with momentum (optionally Nesterov), with `applyAdjusted` fused natively like ScheduledAdam's. */
export class ScheduledMomentum extends tf.MomentumOptimizer {
  applyAdjusted(grads: tf.NamedTensorMap, adjustment: GradientAdjustment): void {
    const native = nativeOptimizerSteps();
    const names = Object.keys(grads);
    if (native != null) {
      const slots = (this as unknown as { accumulations: Slot[] }).accumulations;
      const done = native.momentumStep({
        variables: variablesOf(names), gradients: names.map((n) => grads[n]), accumulations: names.map((name, i) => slotAt(slots, i, name, 'momentum')),
        decays: names.map((n) => adjustment.decayOf(n)), scale: adjustment.scale, learningRate: this.learningRate, momentum: (this as unknown as { momentum: number }).momentum,
        nesterov: (this as unknown as { useNesterov: boolean }).useNesterov,
      });
      if (done) {
        this.incrementIterations();
        return;
      }
    }
    const adjusted = adjustedGradients(grads, adjustment);
    this.applyGradients(adjusted as Record<string, tf.Variable>); // typed as variables, read as gradients
    tf.dispose(Object.values(adjusted));
  }
}
