/**
 * Named starting points for `train --preset`. Full-size presets follow the
 * paper (ResNet-18, 8 frames of 112x112, SGD); `-tiny` ones are the same
 * networks at 1/8 width and 8 frames of 64x64 so that they train on a CPU in
 * minutes. `-motion` adds the paper's motion representation.
 */
import type { TrainConfig } from './schema.js';

type PartialConfig = { [K in keyof TrainConfig]?: TrainConfig[K] extends object ? Partial<TrainConfig[K]> : TrainConfig[K] };

const FULL: PartialConfig = {
  data: { frames: 8, size: 112 },
  train: { epochs: 40, batchSize: 8 },
  optimizer: { name: 'sgd', lr: 0.01, momentum: 0.9, weightDecay: 5e-4 },
  schedule: { kind: 'cosine', warmupSteps: 200 },
};
const TINY: PartialConfig = {
  model: { width: 0.125, dropout: 0.2 },
  data: { frames: 8, size: 64 },
  train: { epochs: 6, batchSize: 8 },
  optimizer: { name: 'adam', lr: 3e-3, weightDecay: 1e-4 },
  schedule: { kind: 'cosine', warmupSteps: 20 },
};

const MODELS: Record<string, PartialConfig['model']> = {
  'c2d-r18': { variant: 'c2d' },
  's3d-r18': { variant: 's3d' },
  'trajectorynet-r18': { variant: 'trajectorynet', trajectorySource: 'tvl1' },
  'trajectorynet-r18-motion': { variant: 'trajectorynet', trajectorySource: 'tvl1', withMotion: true },
  'trajectorynet-r18-motionnet': { variant: 'trajectorynet', trajectorySource: 'motionnet' },
  'trajectorynet-r18-motionnet-motion': { variant: 'trajectorynet', trajectorySource: 'motionnet', withMotion: true },
};

export const PRESET_NAMES: string[] = Object.keys(MODELS).flatMap((name) => [name, `${name}-tiny`]);

/** The preset's settings, to be merged under the user's file and flags; undefined for an unknown name. */
export function presetConfig(name: string): PartialConfig | undefined {
  const tiny = name.endsWith('-tiny');
  const model = MODELS[tiny ? name.slice(0, -'-tiny'.length) : name];
  if (model == null) return undefined;
  const base = tiny ? TINY : FULL;
  return { ...base, preset: name, model: { depth: 18, ...base.model, ...model } };
}
