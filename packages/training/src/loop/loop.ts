/**
 * The one training loop: micro-batches -> gradients (accumulated) -> one
 * optimiser step, for any objective (classification, MotionNet's unsupervised
 * loss). Validation at epoch ends, checkpoints from which `resume` continues
 * exactly, metrics appended to metrics.jsonl.
 *
 * Exact resume rests on three things: the data of an epoch depend only on
 * (seed, epoch) (the caller's `batches(epoch, skip)`), the run's random
 * stream (dropout, initialisers) is saved in the checkpoint, and checkpoints
 * are taken only between optimiser steps.
 *
 * Values stay on the device: losses and metric sums are accumulated as
 * tensors and read only at log points (every `logEvery` steps, before each
 * checkpoint and at epoch ends), so a GPU backend is never stalled per step.
 * A non-finite loss found at a log point stops the run before any checkpoint
 * holds the damaged weights.
 *
 * Data-parallel (`parallel`): every rank runs this loop on its shard of the
 * micro-batches; rank 0's weights are broadcast at the start, after the ranks
 * agreed on a fingerprint of the model and the settings; each step's summed
 * gradients go through one allreduce and are divided by ranks x micro-batches
 * (so 2 ranks equal one process accumulating their 2 micro-batches); a step
 * whose gradients are not finite on any rank is skipped by all; log points sum
 * the metrics over the ranks; rank 0 alone writes checkpoints and metrics.
 */
import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import type { RandomState } from '@trajectorynet/core';
import { removeStaleTemporaries } from '@trajectorynet/core/node';
import { type DataParallel, fingerprint, modelSignature } from '@trajectorynet/distributed';
import { assignWeights, createRunRandom, loadCheckpoint, namedWeights } from '@trajectorynet/runtime';
import { TrainingError } from '../errors.js';
import { createOptimizer, type OptimizerConfig } from './optimizer.js';
import { type EpochRecord, type RunFiles, runFiles, type StepRecord } from './run-files.js';
import { learningRateAt, type Schedule } from './schedule.js';

/** What the loop trains: the weights it checkpoints and the variables it updates. */
export interface TrainableModel {
  /** Every weight to checkpoint (trainable and not: BatchNorm statistics too). */
  readonly weights: readonly tf.LayerVariable[];
  /** The variables the optimiser updates, in a fixed order. */
  trainableVariables(): tf.Variable[];
}

/** A loss to minimise, and the running sums reported beside it (e.g. correct predictions). */
export interface Objective<Batch> {
  /**
   * Called inside the gradient tape: the mean loss of the batch, metric sums
   * over its items, and the terms the loss is made of (batch means named
   * `loss_<part>`, e.g. loss_cls and loss_motionnet), logged beside the total.
   */
  compute(batch: Batch, training: boolean): { loss: tf.Scalar; sums?: Record<string, tf.Scalar>; terms?: Record<string, tf.Scalar> };
  /** Items (clips, frame stacks) in a batch: metric sums are divided by the items seen. */
  count(batch: Batch): number;
}

export interface LoopSettings {
  epochs: number;
  /** Micro-batches per epoch (`batches` gives this many; leftovers that do not fill a step are dropped). */
  batchesPerEpoch: number;
  /** Micro-batches whose gradients are summed before one update. */
  accumulate: number;
  seed: number;
  optimizer: OptimizerConfig;
  schedule: Schedule;
  /** Save latest.ckpt every N optimiser steps (0: only at epoch ends). */
  checkpointEvery: number;
  /** Validate every N epochs (and after the last). */
  validateEvery: number;
  /** Keep a copy of the checkpoint of each of the last N epochs (epoch_<n>.ckpt); 0: none. */
  keepEpochs?: number;
  /** Read the loss from the device every N steps (progress, NaN check). */
  logEvery: number;
}

/** What a checkpoint carries besides tensors. */
export interface RunState<Meta> {
  /** The caller's description of the run (config, labels...). */
  meta: Meta;
  /** Optimiser steps taken. */
  step: number;
  /** Completed epochs, and the optimiser steps already taken in the one in progress. */
  epoch: number;
  stepInEpoch: number;
  random: RandomState;
  /** The best validation score so far (validate's `score`) and its epoch. */
  best: { score: number; epoch: number } | null;
  history: EpochRecord[];
  /** Running sums of the epoch in progress, so that a resumed epoch reports what the uninterrupted one would. */
  epochSums: Record<string, number>;
  epochItems: number;
  epochSeconds: number;
}

export interface Validation {
  /** Higher is better: best.ckpt holds the weights of the highest score. */
  score: number;
  metrics: Record<string, number>;
}

export interface TrainLoopOptions<Batch, Meta> {
  settings: LoopSettings;
  model: TrainableModel;
  /** A variable's learning rate as a multiple of the schedule's (mmaction2's paramwise lr_mult); default 1 for all. */
  lrScaleOf?: (variable: tf.Variable) => number;
  objective: Objective<Batch>;
  /** The micro-batches of `epoch`, skipping the first `skip` (deterministic in seed and epoch). */
  batches(epoch: number, skip: number): AsyncIterable<Batch>;
  validate?(): Promise<Validation>;
  /** Written with every checkpoint; `checkResume` may refuse a saved one that does not fit. */
  meta: Meta;
  checkResume?(saved: Meta, file: string): void;
  /** Extra fields for each epoch record (e.g. where trajectories came from). */
  epochExtras?(): Record<string, unknown>;
  outDir: string;
  resume?: boolean;
  /** With `resume`: the checkpoint to continue from (default: latest.ckpt of outDir). */
  resumeFrom?: string;
  /** Replace a run already in outDir (otherwise refused). */
  overwrite?: boolean;
  /**
   * The starting weights of a run that starts afresh (pretrained models, another
   * run's checkpoint): called before the first step unless a checkpoint is
   * resumed, including when `resume` finds no checkpoint to continue from.
   */
  initialize?(): Promise<void>;
  /** Told where the run starts: afresh, or from which checkpoint and step (resume: a folder without a checkpoint starts a new run). */
  onStart?(start: RunStart): void | Promise<void>;
  /** Stop (as if killed) after this many optimiser steps in this process; for tests. */
  maxStepsThisRun?: number;
  onStep?(record: StepRecord & { stepsPerEpoch: number }): void | Promise<void>;
  onEpoch?(record: EpochRecord): void | Promise<void>;
  /**
   * A step that every rank skipped because one had non-finite gradients, or
   * (gradient compression) `overflowed` reduced gradients past the half
   * format's range (data-parallel only).
   */
  onSkip?(skip: { step: number; nonFiniteRanks: number; overflowed: number }): void;
  /** Data-parallel over a process group (each rank's `batches` give its own shard). */
  parallel?: DataParallel;
  /** What else must agree across ranks (e.g. the data config), folded into the start's fingerprint. */
  fingerprintExtra?: unknown;
}

export interface RunStart {
  /** The checkpoint the run continues from; null for a new run. */
  from: string | null;
  /** Resuming was asked for but there was no checkpoint (a run stopped before its first one starts afresh). */
  noCheckpoint: boolean;
  step: number;
  epoch: number;
  stepInEpoch: number;
  stepsPerEpoch: number;
  totalSteps: number;
}

/** The batches of `source`, adding the time spent waiting for each (loading, decoding) to `clock.seconds`. */
async function* timedBatches<Batch>(source: AsyncIterable<Batch>, clock: { seconds: number }): AsyncGenerator<Batch> {
  const iterator = source[Symbol.asyncIterator]();
  try {
    while (true) {
      const asked = performance.now();
      const next = await iterator.next();
      clock.seconds += (performance.now() - asked) / 1000;
      if (next.done) return;
      yield next.value;
    }
  } finally {
    await iterator.return?.();
  }
}

/** The record of a loss-like key (the total or one of its terms) is a mean per step; other sums are per item. */
const isLossKey = (key: string) => key === 'loss' || key.startsWith('loss_');

/** Sums of the loss and metrics on the device, read at log points. */
class DeviceSums {
  private sums: Record<string, tf.Tensor> = {};

  add(values: Record<string, tf.Scalar>): void {
    for (const [key, value] of Object.entries(values)) {
      const previous = this.sums[key];
      this.sums[key] = previous == null ? tf.keep(value) : tf.keep(tf.add(previous, value));
      if (previous != null) tf.dispose([previous, value]);
    }
  }

  /** Reads every sum (one device read each) and clears them. */
  async drain(): Promise<Record<string, number>> {
    const entries = Object.entries(this.sums);
    this.sums = {};
    const values = await Promise.all(entries.map(async ([key, t]) => [key, (await t.data())[0]] as const));
    tf.dispose(entries.map(([, t]) => t));
    return Object.fromEntries(values);
  }

  dispose(): void {
    tf.dispose(Object.values(this.sums));
    this.sums = {};
  }
}

export async function trainLoop<Batch, Meta>(options: TrainLoopOptions<Batch, Meta>): Promise<RunState<Meta>> {
  const { settings, model, objective } = options;
  const files: RunFiles = runFiles(options.outDir);
  const stepsPerEpoch = Math.floor(settings.batchesPerEpoch / settings.accumulate);
  if (stepsPerEpoch < 1) {
    throw new TrainingError('BAD_DATA', `the training set gives ${settings.batchesPerEpoch} batches per epoch, fewer than train.accumulate (${settings.accumulate})`);
  }
  const totalSteps = stepsPerEpoch * settings.epochs;
  const variables = model.trainableVariables();
  const optimizer = createOptimizer(settings.optimizer, variables, options.lrScaleOf);

  const from = options.resumeFrom ?? files.latest;
  const parallel = options.parallel;
  // rank 0 alone writes the run's files; the others read its checkpoint to resume
  const writer = parallel == null || parallel.rank === 0;
  const resuming = writer ? await files.prepare(options.resume === true, options.overwrite === true, options.resumeFrom) : options.resume === true && existsSync(from);
  if (writer) await removeStaleTemporaries(options.outDir);
  let state: RunState<Meta>;
  let random: ReturnType<typeof createRunRandom>;
  if (resuming) {
    const saved = await loadCheckpoint<RunState<Meta>>(from);
    options.checkResume?.(saved.state.meta, from);
    assignWeights(model.weights, saved.weights, from);
    await optimizer.setState(saved.optimizer);
    tf.dispose(saved.weights.map((w) => w.tensor));
    // the run goes on under this run's settings (checkResume accepted them), and its checkpoints say so
    state = { ...saved.state, meta: options.meta };
    random = createRunRandom(settings.seed, state.random);
    if (writer) await files.truncateMetrics(state.step, state.epoch);
  } else {
    await options.initialize?.();
    random = createRunRandom([settings.seed, 'run']);
    state = { meta: options.meta, step: 0, epoch: 0, stepInEpoch: 0, random: random.state(), best: null, history: [], epochSums: {}, epochItems: 0, epochSeconds: 0 };
  }
  await options.onStart?.({
    from: resuming ? from : null,
    noCheckpoint: options.resume === true && !resuming,
    step: state.step,
    epoch: state.epoch,
    stepInEpoch: state.stepInEpoch,
    stepsPerEpoch,
    totalSteps,
  });

  if (parallel != null) {
    await parallel.checkFingerprint(fingerprint({ settings, model: modelSignature(model.weights), step: state.step, extra: options.fingerprintExtra ?? null }), 'model, settings or checkpoint');
    await parallel.broadcastWeights(model.weights);
  }
  const trainableIds = new Set(variables.map((v) => v.id));
  const buffers = model.weights.filter((w) => !trainableIds.has(w.read().id));

  const save = async (file: string) => {
    if (!writer) return;
    state.random = random.state();
    const optimizerState = await optimizer.getState();
    try {
      await files.saveCheckpoint(file, state, namedWeights(model.weights), optimizerState);
    } finally {
      // the optimiser's slots are its own variables; its step count is a fresh scalar each time
      tf.dispose(optimizerState.map((s) => s.tensor).filter((t) => !(t instanceof tf.Variable)));
    }
  };

  const pending = new DeviceSums();
  let pendingSteps = 0;
  let pendingItems = 0;
  let logClock = { time: Date.now(), items: 0 };
  const dataClock = { seconds: 0 };
  /** A log point: read the sums, stop on a non-finite loss, record the steps since the last one. */
  const logPoint = async (lr: number) => {
    if (pendingSteps === 0) return;
    let sums = await pending.drain();
    if (parallel != null) {
      // every rank reaches the same log points: sum the metrics and items over the ranks
      const keys = Object.keys(sums).sort();
      const reduced = await parallel.sum([...keys.map((k) => sums[k]), pendingItems, logClock.items]);
      sums = Object.fromEntries(keys.map((k, i) => [k, k === 'loss' ? reduced[i] / parallel.worldSize : reduced[i]]));
      pendingItems = reduced[keys.length];
      logClock.items = reduced[keys.length + 1];
    }
    const loss = sums.loss / pendingSteps;
    if (!Number.isFinite(loss)) {
      throw new TrainingError(
        'DIVERGED',
        `the loss became ${loss} at epoch ${state.epoch + 1}, step ${state.step} (or up to ${pendingSteps - 1} steps before); the last good checkpoint is ${files.latest} (try a lower optimizer.lr or gradient clipping: optimizer.clipNorm)`,
      );
    }
    for (const [key, value] of Object.entries(sums)) state.epochSums[key] = (state.epochSums[key] ?? 0) + value;
    state.epochItems += pendingItems;
    const seconds = (Date.now() - logClock.time) / 1000;
    const record: StepRecord = {
      time: new Date().toISOString(),
      epoch: state.epoch + 1,
      step: state.step,
      lr,
      loss,
      losses: Object.fromEntries(Object.entries(sums).filter(([k]) => k.startsWith('loss_')).map(([k, v]) => [k, v / pendingSteps])),
      metrics: Object.fromEntries(Object.entries(sums).filter(([k]) => !isLossKey(k)).map(([k, v]) => [k, v / Math.max(1, pendingItems)])),
      itemsPerSecond: seconds > 0 ? logClock.items / seconds : 0,
      stepSeconds: seconds / pendingSteps,
      dataSeconds: dataClock.seconds / pendingSteps,
      memory: { rss: process.memoryUsage().rss, tfBytes: tf.memory().numBytes, tensors: tf.memory().numTensors },
    };
    pendingSteps = 0;
    pendingItems = 0;
    logClock = { time: Date.now(), items: 0 };
    dataClock.seconds = 0;
    if (writer) await files.appendMetrics({ kind: 'step', ...record });
    await options.onStep?.({ ...record, stepsPerEpoch });
  };

  let stepsThisRun = 0;
  logClock = { time: Date.now(), items: 0 };
  /** The sums of the step in progress: added to the log's once the step is taken (a skipped step's are dropped). */
  let stepSums: Record<string, tf.Scalar>[] = [];
  try {
    while (state.epoch < settings.epochs) {
      const epochStarted = Date.now() - state.epochSeconds * 1000;
      let accumulated: tf.Tensor[] | null = null;
      let micro = 0;
      let lr = learningRateAt(settings.optimizer.lr, settings.schedule, state.step, totalSteps);
      for await (const batch of timedBatches(options.batches(state.epoch, state.stepInEpoch * settings.accumulate), dataClock)) {
        if (micro === 0 && state.stepInEpoch >= stepsPerEpoch) break; // leftover micro-batches
        const items = objective.count(batch);
        const { grads, sums } = tf.tidy(() => {
          let kept: Record<string, tf.Scalar> = {};
          const { value, grads: g } = tf.variableGrads(() => {
            const { loss, sums: extra, terms } = objective.compute(batch, true);
            // a step's terms, like its loss, are the mean over its micro-batches
            const stepTerms = Object.entries(terms ?? {}).map(([k, v]) => [k, tf.div(v, settings.accumulate)] as const);
            kept = Object.fromEntries([...Object.entries(extra ?? {}), ...stepTerms].map(([k, v]) => [k, tf.keep(v as tf.Scalar)]));
            return loss;
          }, variables);
          // the step's loss is the mean over its micro-batches
          return { grads: variables.map((v) => g[v.name]), sums: { ...kept, loss: tf.div(value, settings.accumulate) as tf.Scalar } };
        });
        stepSums.push(sums);
        if (accumulated == null) {
          accumulated = grads;
        } else {
          const previous: tf.Tensor[] = accumulated;
          accumulated = previous.map((a, i) => tf.add(a, grads[i]));
          tf.dispose([...previous, ...grads]);
        }
        micro += 1;
        pendingItems += items;
        logClock.items += items;
        if (micro < settings.accumulate) continue;

        lr = learningRateAt(settings.optimizer.lr, settings.schedule, state.step, totalSteps);
        const summed = accumulated;
        accumulated = null;
        micro = 0;
        let reduced: tf.Tensor[] | null = null;
        if (parallel == null) {
          reduced = tf.tidy(() => summed.map((g) => tf.div(g, settings.accumulate)));
        } else {
          const step = await parallel.reduceStep(summed, buffers, 1 / (settings.accumulate * parallel.worldSize));
          reduced = step.grads;
          if (reduced == null) options.onSkip?.({ step: state.step, nonFiniteRanks: step.nonFiniteRanks, overflowed: step.overflowed });
        }
        tf.dispose(summed);
        if (reduced == null) {
          // every rank agreed to skip the update (a non-finite gradient on one of them, or a compressed one overflowed); the step still counts
          tf.dispose(stepSums.flatMap((s) => Object.values(s)));
        } else {
          for (const sums of stepSums) pending.add(sums);
          const grads = reduced;
          optimizer.step(Object.fromEntries(variables.map((v, i) => [v.name, grads[i]])), lr);
          tf.dispose(grads);
          pendingSteps += 1;
        }
        stepSums = [];
        state.step += 1;
        state.stepInEpoch += 1;
        stepsThisRun += 1;
        state.epochSeconds = (Date.now() - epochStarted) / 1000;
        const checkpointing = settings.checkpointEvery > 0 && state.step % settings.checkpointEvery === 0;
        if (checkpointing || state.step % settings.logEvery === 0) await logPoint(lr);
        if (checkpointing) await save(files.latest);
        if (options.maxStepsThisRun != null && stepsThisRun >= options.maxStepsThisRun) return state;
      }
      tf.dispose(accumulated ?? []);
      tf.dispose(stepSums.flatMap((s) => Object.values(s)));
      stepSums = [];
      await logPoint(lr);

      const train = Object.fromEntries(
        Object.entries(state.epochSums).map(([k, v]) => [k, isLossKey(k) ? v / Math.max(1, state.stepInEpoch) : v / Math.max(1, state.epochItems)]),
      );
      const record: EpochRecord = { epoch: state.epoch + 1, step: state.step, train, seconds: (Date.now() - epochStarted) / 1000, ...options.epochExtras?.() };
      const validating = options.validate != null && ((state.epoch + 1) % settings.validateEvery === 0 || state.epoch + 1 === settings.epochs);
      let improved = false;
      if (validating && options.validate != null) {
        const validation = await options.validate();
        record.val = { score: validation.score, ...validation.metrics };
        improved = state.best == null || validation.score > state.best.score;
        if (improved) state.best = { score: validation.score, epoch: record.epoch };
      }
      state.history.push(record);
      state.epoch += 1;
      state.stepInEpoch = 0;
      state.epochSums = {};
      state.epochItems = 0;
      state.epochSeconds = 0;
      if (writer) await files.appendMetrics({ kind: 'epoch', ...record });
      await options.onEpoch?.(record);
      // best before latest: a kill between the two leaves latest at the previous epoch, whose
      // resumption repeats this epoch and writes best again (the same score is an improvement there)
      if (improved) await save(files.best);
      await save(files.latest);
      // rank 0's copy of its own latest.ckpt (another rank could look before it is written)
      if (writer && (settings.keepEpochs ?? 0) > 0) await files.keepEpoch(state.epoch, settings.keepEpochs ?? 0);
    }
    return state;
  } finally {
    tf.dispose(stepSums.flatMap((s) => Object.values(s)));
    pending.dispose();
    random.release();
    optimizer.dispose();
  }
}
