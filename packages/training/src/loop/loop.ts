/**
 * The training loop: micro-batches -> gradients (accumulated) -> one optimiser
 * step; validation at epoch ends; atomic checkpoints (latest, best) from which
 * `resume` continues exactly; metrics appended to a JSONL file.
 *
 * Exact resume rests on three things: the data order and augmentation of an
 * epoch depend only on (seed, epoch) (the caller's `batches(epoch, skip)`), the
 * run's random stream (dropout, initialisers) is saved in the checkpoint, and
 * checkpoints are taken only between optimiser steps.
 */
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { assignWeights, createRunRandom, loadCheckpoint, namedWeights, type RandomState, saveCheckpoint } from '@trajectorynet/runtime';
import type { TrainConfig } from '../config/schema.js';
import { TrainerError } from '../errors.js';
import type { ClassificationReport } from '../eval/metrics.js';
import { type BatchTensors, type ClassifierAdapter, type HostBatch, toTensors } from './batch.js';
import { createOptimizer } from './optimizer.js';
import { learningRateAt } from './schedule.js';

export interface EpochRecord {
  epoch: number;
  step: number;
  trainLoss: number;
  trainTop1: number;
  val?: { top1: number; top5: number; meanClassAccuracy: number; loss: number };
  seconds: number;
}

/** What a checkpoint carries besides tensors. */
export interface RunState {
  config: TrainConfig;
  labels: string[];
  /** Optimiser steps taken. */
  step: number;
  /** The epoch in progress and the optimiser steps already taken in it. */
  epoch: number;
  stepInEpoch: number;
  random: RandomState;
  bestTop1: number;
  history: EpochRecord[];
  /** Running sums of the epoch in progress (so that a resumed epoch reports the same loss). */
  epochLossSum: number;
  epochHits: number;
  epochClips: number;
  epochSeconds: number;
}

export interface TrainCallbacks {
  /** Called after every optimiser step. */
  onStep?(info: { epoch: number; step: number; stepInEpoch: number; stepsPerEpoch: number; loss: number; lr: number; clipsPerSecond: number }): void;
  onEpoch?(record: EpochRecord): void;
}

export interface TrainOptions {
  config: TrainConfig;
  labels: string[];
  model: ClassifierAdapter;
  /** The micro-batches of `epoch`, skipping the first `skip` (deterministic in seed and epoch). */
  batches(epoch: number, skip: number): AsyncIterable<HostBatch>;
  /** Micro-batches per epoch. */
  batchesPerEpoch: number;
  /** Validation: a report for the current weights (or undefined to skip). */
  validate?(): Promise<ClassificationReport & { loss: number }>;
  outDir: string;
  resume?: boolean;
  /** Stop (as if killed) after this many optimiser steps in this process; for tests. */
  maxStepsThisRun?: number;
  callbacks?: TrainCallbacks;
}

export const LATEST = 'latest.ckpt';
export const BEST = 'best.ckpt';
export const METRICS = 'metrics.jsonl';

function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.losses.softmaxCrossEntropy(tf.oneHot(labels, logits.shape[1]), logits) as tf.Scalar;
}

/** Drops metric lines written after the checkpoint we resume from (they will be written again). */
async function truncateMetrics(file: string, step: number): Promise<void> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return;
  }
  const kept = text.split('\n').filter((line) => line.trim() !== '' && (JSON.parse(line) as { step: number }).step <= step);
  await writeFile(file, kept.map((l) => `${l}\n`).join(''));
}

export async function train(options: TrainOptions): Promise<RunState> {
  const { config, model, outDir } = options;
  const latestPath = path.join(outDir, LATEST);
  const metricsPath = path.join(outDir, METRICS);
  const variables = model.trainableVariables();
  const optimizer = createOptimizer(config.optimizer, variables);
  const stepsPerEpoch = Math.floor(options.batchesPerEpoch / config.train.accumulate);
  if (stepsPerEpoch < 1) {
    throw new TrainerError('BAD_DATA', `the training set gives ${options.batchesPerEpoch} batches per epoch, fewer than train.accumulate (${config.train.accumulate})`);
  }
  const totalSteps = stepsPerEpoch * config.train.epochs;

  await mkdir(outDir, { recursive: true });
  let state: RunState;
  let random: ReturnType<typeof createRunRandom>;
  if (options.resume) {
    const saved = await loadCheckpoint<RunState>(latestPath);
    if (saved.state.labels.join('\n') !== options.labels.join('\n')) {
      throw new TrainerError('BAD_CHECKPOINT', 'its label map differs from the dataset being trained on', { path: latestPath });
    }
    assignWeights(model.weights, saved.weights, latestPath);
    await optimizer.setState(saved.optimizer);
    tf.dispose(saved.weights.map((w) => w.tensor));
    state = saved.state;
    random = createRunRandom(config.train.seed, state.random);
    await truncateMetrics(metricsPath, state.step);
  } else {
    random = createRunRandom(config.train.seed);
    state = {
      config,
      labels: options.labels,
      step: 0,
      epoch: 0,
      stepInEpoch: 0,
      random: random.state(),
      bestTop1: -1,
      history: [],
      epochLossSum: 0,
      epochHits: 0,
      epochClips: 0,
      epochSeconds: 0,
    };
    await writeFile(metricsPath, '');
  }

  const save = async (file: string) => {
    state.random = random.state();
    await saveCheckpoint(file, { state, weights: namedWeights(model.weights), optimizer: await optimizer.getState() });
  };

  let stepsThisRun = 0;
  try {
    while (state.epoch < config.train.epochs) {
      const epochStarted = Date.now() - state.epochSeconds * 1000;
      let accumulated: tf.Tensor[] | null = null;
      let micro = 0;
      let microLoss = 0;
      const stepStarted = { time: Date.now(), clips: 0 };
      for await (const batch of options.batches(state.epoch, state.stepInEpoch * config.train.accumulate)) {
        if (micro === 0 && state.stepInEpoch >= stepsPerEpoch) break; // leftover micro-batches
        const { loss, grads, hits } = tf.tidy(() => {
          const tensors: BatchTensors = toTensors(batch);
          let hitCount = 0;
          const { value, grads: g } = tf.variableGrads(() => {
            const { logits, auxLoss } = model.forward(tensors, true);
            hitCount = tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), tensors.labels), 'int32')).arraySync() as number;
            const ce = crossEntropy(logits, tensors.labels);
            return auxLoss != null ? tf.add(ce, tf.mul(auxLoss, config.motionnet.lossWeight)) : ce;
          }, variables);
          return { loss: value, grads: variables.map((v) => g[v.name]), hits: tf.scalar(hitCount) };
        });
        const lossValue = (await loss.data())[0];
        const hitValue = (await hits.data())[0];
        tf.dispose([loss, hits]);
        if (!Number.isFinite(lossValue)) {
          tf.dispose(grads);
          tf.dispose(accumulated ?? []);
          throw new TrainerError(
            'DIVERGED',
            `the loss became ${lossValue} at epoch ${state.epoch + 1}, step ${state.step + 1}; the last good checkpoint is ${latestPath} (try a lower optimizer.lr or gradient clipping: optimizer.clipNorm)`,
          );
        }
        if (accumulated == null) {
          accumulated = grads;
        } else {
          const previous: tf.Tensor[] = accumulated;
          accumulated = previous.map((a, i) => tf.add(a, grads[i]));
          tf.dispose([...previous, ...grads]);
        }
        micro += 1;
        microLoss += lossValue;
        state.epochHits += hitValue;
        state.epochClips += batch.labels.length;
        stepStarted.clips += batch.labels.length;
        if (micro < config.train.accumulate) continue;

        const lr = learningRateAt(config.optimizer.lr, config.schedule, state.step, totalSteps);
        const summed = accumulated;
        const averaged = tf.tidy(() => Object.fromEntries(variables.map((v, i) => [v.name, tf.div(summed[i], config.train.accumulate)])));
        optimizer.step(averaged, lr);
        tf.dispose([...Object.values(averaged), ...summed]);
        accumulated = null;
        const stepLoss = microLoss / micro;
        micro = 0;
        microLoss = 0;
        state.step += 1;
        state.stepInEpoch += 1;
        state.epochLossSum += stepLoss;
        stepsThisRun += 1;
        const seconds = (Date.now() - stepStarted.time) / 1000;
        const clipsPerSecond = seconds > 0 ? stepStarted.clips / seconds : 0;
        await appendFile(metricsPath, `${JSON.stringify({ kind: 'step', epoch: state.epoch + 1, step: state.step, loss: stepLoss, lr, clipsPerSecond })}\n`);
        options.callbacks?.onStep?.({ epoch: state.epoch, step: state.step, stepInEpoch: state.stepInEpoch, stepsPerEpoch, loss: stepLoss, lr, clipsPerSecond });
        stepStarted.time = Date.now();
        stepStarted.clips = 0;
        state.epochSeconds = (Date.now() - epochStarted) / 1000;
        if (config.train.checkpointEvery > 0 && state.step % config.train.checkpointEvery === 0) await save(latestPath);
        if (options.maxStepsThisRun != null && stepsThisRun >= options.maxStepsThisRun) return state;
      }
      tf.dispose(accumulated ?? []);

      const record: EpochRecord = {
        epoch: state.epoch + 1,
        step: state.step,
        trainLoss: state.epochLossSum / Math.max(1, state.stepInEpoch),
        trainTop1: state.epochHits / Math.max(1, state.epochClips),
        seconds: (Date.now() - epochStarted) / 1000,
      };
      const validating = options.validate != null && ((state.epoch + 1) % config.train.validateEvery === 0 || state.epoch + 1 === config.train.epochs);
      if (validating && options.validate != null) {
        const report = await options.validate();
        record.val = { top1: report.top1, top5: report.top5, meanClassAccuracy: report.meanClassAccuracy, loss: report.loss };
      }
      state.history.push(record);
      state.epoch += 1;
      state.stepInEpoch = 0;
      state.epochLossSum = 0;
      state.epochHits = 0;
      state.epochClips = 0;
      state.epochSeconds = 0;
      await appendFile(metricsPath, `${JSON.stringify({ kind: 'epoch', ...record })}\n`);
      options.callbacks?.onEpoch?.(record);
      const isBest = record.val != null && record.val.top1 > state.bestTop1;
      if (isBest && record.val != null) state.bestTop1 = record.val.top1;
      await save(latestPath);
      if (isBest) await save(path.join(outDir, BEST));
    }
    return state;
  } finally {
    random.release();
    optimizer.dispose();
  }
}
