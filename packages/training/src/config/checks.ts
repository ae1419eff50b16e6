/**
 * Settings that are valid but would not do what they say: keys the data kind
 * never reads, a warm-up longer than the run, a batch larger than the
 * training set. The first two are warnings (the run is still sound), the last
 * an error naming both numbers.
 */
import { TrainingError } from '../errors.js';
import { DataSchema, type TrainConfig } from './schema.js';

const DATA_DEFAULTS = DataSchema.parse({}) as Record<string, unknown>;

/** The data.* keys each data kind reads no value of. */
const IGNORED_BY_KIND: Record<TrainConfig['data']['kind'], string[]> = {
  synthetic: ['root', 'trainList', 'valList', 'labels'],
  list: ['trainClipsPerClass', 'valClipsPerClass', 'syntheticFrames'],
  sthv1: ['trainClipsPerClass', 'valClipsPerClass', 'syntheticFrames'],
  sthv2: ['trainClipsPerClass', 'valClipsPerClass', 'syntheticFrames'],
  kinetics: ['trainList', 'valList', 'labels', 'trainClipsPerClass', 'valClipsPerClass', 'syntheticFrames'],
};

/**
 * One warning per data.* key that was given (in `given`, the merged preset,
 * file and flags before defaults) but is not read by `config.data.kind`. A
 * key at its default value is not reported: a run's own config.json lists
 * every key.
 */
export function ignoredKeys(given: Record<string, unknown>, config: TrainConfig): string[] {
  const data = (given.data ?? {}) as Record<string, unknown>;
  const kind = config.data.kind;
  return IGNORED_BY_KIND[kind]
    .filter((key) => data[key] != null && data[key] !== DATA_DEFAULTS[key])
    .map((key) => `data.${key} is ignored by data.kind '${kind}' (remove it, or --set data.${key}=null)`);
}

/** Optimiser steps of the run, and the warnings about them (a warm-up that outlasts the run). */
export function scheduleWarnings(config: TrainConfig, stepsPerEpoch: number): string[] {
  const total = stepsPerEpoch * config.train.epochs;
  const { warmupSteps } = config.schedule;
  if (warmupSteps <= total) return [];
  return [
    `schedule.warmupSteps (${warmupSteps}) is longer than the run (${total} steps: ${config.train.epochs} epochs x ${stepsPerEpoch}): the learning rate never reaches optimizer.lr (${config.optimizer.lr}); lower schedule.warmupSteps`,
  ];
}

/** Refuses a training set that gives no optimiser step per epoch, naming the set size and the batch size. */
export function checkTrainingSetSize(config: TrainConfig, trainVideos: number): number {
  const { batchSize, accumulate } = config.train;
  const stepsPerEpoch = Math.floor(Math.floor(trainVideos / batchSize) / accumulate);
  if (stepsPerEpoch < 1) {
    const need = accumulate > 1 ? `train.batchSize (${batchSize}) x train.accumulate (${accumulate}) = ${batchSize * accumulate}` : `train.batchSize (${batchSize})`;
    throw new TrainingError(
      'BAD_DATA',
      `the training set has ${trainVideos} videos, fewer than ${need}: no full step per epoch (lower train.batchSize${accumulate > 1 ? ' or train.accumulate' : ''}, e.g. --set train.batchSize=${Math.max(1, Math.floor(trainVideos / accumulate))})`,
      { path: 'train.batchSize' },
    );
  }
  return stepsPerEpoch;
}
