/**
 * MotionNet pretraining without flow labels: Adam on the unsupervised loss of
 * frame stacks drawn from videos, frame folders or any video-io dataset.
 * Stacks are decoded ahead of the step (video-io's prefetching loader), every
 * draw is seeded by (seed, position), and a checkpoint holds the weights, the
 * Adam moments and the step, so a stopped run resumes exactly where it was.
 */
import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { assignWeights, loadCheckpoint, namedWeights, ScheduledAdam, saveCheckpoint, withSeededRandom } from '@trajectorynet/runtime';
import { seededRandom } from '@trajectorynet/core';
import { createLoader } from '@trajectorynet/video-io';
import { type MotionNetSource, sourceSamples, StackReader } from './data.js';
import { MotionNetError } from './errors.js';
import { createMotionNet } from './network.js';
import { type LossParts, unsupervisedLoss } from './unsupervised.js';

export interface TrainMotionNetOptions {
  /** Optimisation steps in all (a resumed run continues up to this). */
  steps: number;
  /** Frames per stack (n + 1 in, n flows out). Default 2. */
  frames?: number;
  /** Network input size, multiples of 32. Default 128 x 128. */
  height?: number;
  width?: number;
  /** Channel multiplier of the original widths (1 = 64 ... 1024). Default 1. */
  widthMultiplier?: number;
  /** Take every `frameStep`-th frame of the video. Default 1. */
  frameStep?: number;
  /** Stacks per step. Default 4. */
  batchSize?: number;
  /** Adam learning rate (Hidden Two-Stream: 3.2e-5). */
  lr?: number;
  /** Multiply the rate by `factor` every `every` steps. Default: constant. */
  lrDecay?: { every: number; factor: number };
  /** Seeds the initial weights and every draw of data. Default 1. */
  seed?: number;
  /** Checkpoint file: written every `checkpointEvery` steps and at the end; a run resumes from it when it exists. */
  checkpoint?: string;
  checkpointEvery?: number;
  /** Stacks decoded ahead of the step. Default 2 x batchSize. */
  prefetch?: number;
  /** Continue from this model instead of a new one (its input size and frames must match). */
  model?: tf.LayersModel;
  /** Called after every step. */
  onStep?: (record: StepRecord) => void;
}

export interface StepRecord {
  step: number;
  steps: number;
  lr: number;
  loss: { total: number; photometric: number; ssim: number; smoothness: number };
  /** Stacks per second since this run (or resumption) started, and the time left at that rate. */
  stacksPerSecond: number;
  etaSeconds: number;
}

export interface TrainMotionNetResult {
  model: tf.LayersModel;
  /** One record per step, including the steps before a resumption. */
  history: StepRecord[];
  /** The step the run resumed from (0 for a new run). */
  resumedFrom: number;
}

interface Settings {
  frames: number;
  height: number;
  width: number;
  widthMultiplier: number;
  frameStep: number;
  batchSize: number;
  lr: number;
  lrDecay: { every: number; factor: number } | null;
  seed: number;
}

interface CheckpointState {
  kind: 'motionnet';
  step: number;
  settings: Settings;
  history: StepRecord[];
}

function resolve(options: TrainMotionNetOptions): Settings {
  const s: Settings = {
    frames: options.frames ?? 2,
    height: options.height ?? 128,
    width: options.width ?? 128,
    widthMultiplier: options.widthMultiplier ?? 1,
    frameStep: options.frameStep ?? 1,
    batchSize: options.batchSize ?? 4,
    lr: options.lr ?? 3.2e-5,
    lrDecay: options.lrDecay ?? null,
    seed: options.seed ?? 1,
  };
  const positiveInt = { steps: options.steps, frameStep: s.frameStep, batchSize: s.batchSize, checkpointEvery: options.checkpointEvery ?? 1 };
  for (const [key, value] of Object.entries(positiveInt)) {
    if (!Number.isInteger(value) || value < 1) throw new MotionNetError(`trainMotionNet: ${key} must be a positive integer, got ${value}`);
  }
  if (!(s.lr > 0)) throw new MotionNetError(`trainMotionNet: lr must be positive, got ${s.lr}`);
  if (s.lrDecay != null && !(Number.isInteger(s.lrDecay.every) && s.lrDecay.every > 0 && s.lrDecay.factor > 0)) {
    throw new MotionNetError(`trainMotionNet: lrDecay needs a positive integer 'every' and a positive 'factor', got ${JSON.stringify(s.lrDecay)}`);
  }
  return s;
}

function learningRate(s: Settings, step: number): number {
  return s.lrDecay == null ? s.lr : s.lr * s.lrDecay.factor ** Math.floor(step / s.lrDecay.every);
}

function sameArchitecture(a: Settings, b: Settings): boolean {
  return a.frames === b.frames && a.height === b.height && a.width === b.width && a.widthMultiplier === b.widthMultiplier;
}

function checkModelInput(model: tf.LayersModel, s: Settings): void {
  const [, h, w, c] = model.inputs[0].shape;
  if (h !== s.height || w !== s.width || c !== 3 * s.frames) {
    throw new MotionNetError(`trainMotionNet: the given model takes ${w}x${h} with ${c} channels, the options ask for ${s.width}x${s.height} with ${s.frames} frames`);
  }
}

/** Pretrains MotionNet on `source` without labels; see TrainMotionNetOptions. */
export async function trainMotionNet(source: MotionNetSource, options: TrainMotionNetOptions): Promise<TrainMotionNetResult> {
  const s = resolve(options);
  const samples = await sourceSamples(source);
  const model = options.model ?? withSeededRandom(`${s.seed}:motionnet`, () => createMotionNet(s));
  checkModelInput(model, s);
  const optimizer = new ScheduledAdam(s.lr, 0.9, 0.999, 1e-8);
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);

  let step = 0;
  let history: StepRecord[] = [];
  if (options.checkpoint != null && existsSync(options.checkpoint)) {
    const saved = await loadCheckpoint<CheckpointState>(options.checkpoint);
    if (saved.state.kind !== 'motionnet' || !sameArchitecture(saved.state.settings, s)) {
      throw new MotionNetError(`${options.checkpoint}: the checkpoint is of another run (${JSON.stringify(saved.state.settings)}); use another file or the same settings`);
    }
    assignWeights(model.weights, saved.weights, options.checkpoint);
    await optimizer.setWeights(saved.optimizer);
    tf.dispose([...saved.weights, ...saved.optimizer].map((t) => t.tensor));
    ({ step, history } = saved.state);
  }
  const resumedFrom = step;
  const save = async () => {
    if (options.checkpoint == null) return;
    const state: CheckpointState = { kind: 'motionnet', step, settings: s, history };
    await saveCheckpoint(options.checkpoint, { state, weights: namedWeights(model.weights), optimizer: await optimizer.getWeights() });
  };

  // position p of the run's draws: which sample, where in it, which crop, all from (seed, p)
  const reader = new StackReader(s);
  const stackSize = s.frames * s.height * s.width * 3;
  const positions = Array.from({ length: (options.steps - step) * s.batchSize }, (_, i) => step * s.batchSize + i);
  const loader = createLoader(
    Number.MAX_SAFE_INTEGER,
    async (position) => {
      const random = seededRandom(s.seed, position);
      const sample = samples[Math.floor(random() * samples.length)];
      const data = new Float32Array(stackSize);
      await reader.read(sample, random, data, 0);
      return { data, shape: [s.frames, s.height, s.width, 3], label: 0 };
    },
    { batchSize: s.batchSize, order: positions, prefetch: options.prefetch ?? 2 * s.batchSize },
  );

  const started = performance.now();
  const checkpointEvery = options.checkpointEvery ?? 100;
  for await (const batch of loader) {
    const lr = learningRate(s, step);
    optimizer.setLearningRate(lr);
    const parts = tf.tidy(() => {
      const clip = tf.tensor5d(batch.data, batch.shape as [number, number, number, number, number]);
      let kept: LossParts | undefined;
      const { grads } = tf.variableGrads(() => {
        kept = unsupervisedLoss(model, clip, true);
        for (const part of Object.values(kept)) tf.keep(part);
        return kept.total;
      }, variables);
      optimizer.applyGradients(grads as Parameters<typeof optimizer.applyGradients>[0]);
      return kept as LossParts;
    });
    const [total, photometric, ssim, smoothness] = await Promise.all([parts.total, parts.photometric, parts.ssim, parts.smoothness].map(async (t) => (await t.data())[0]));
    tf.dispose(Object.values(parts));
    if (!Number.isFinite(total)) {
      // the weights are already damaged: keep the last checkpoint as it is
      throw new MotionNetError(`trainMotionNet: the loss became ${total} at step ${step + 1} (lr ${lr}); lower the rate and resume from the last checkpoint`);
    }
    step += 1;
    const rate = ((step - resumedFrom) * s.batchSize) / ((performance.now() - started) / 1000);
    const record: StepRecord = {
      step,
      steps: options.steps,
      lr,
      loss: { total, photometric, ssim, smoothness },
      stacksPerSecond: rate,
      etaSeconds: ((options.steps - step) * s.batchSize) / rate,
    };
    history.push(record);
    options.onStep?.(record);
    if (step % checkpointEvery === 0 && step < options.steps) await save();
  }
  if (step > resumedFrom) await save();
  optimizer.dispose();
  return { model, history, resumedFrom };
}
