/**
 * Named starting points for `train --preset`. Full-size presets follow the
 * paper (ResNet-18, 8 frames of 112x112, SGD); `-tiny` ones are the same
 * networks at 1/8 width and 8 frames of 64x64 so that they train on a CPU in
 * minutes; `-imagenet` ones fine-tune from inflated ImageNet weights (they
 * need model.pretrained: a safetensors export of torchvision's resnet18).
 * `-motion` adds the paper's motion representation. MotionNet presets sample
 * consecutive frames (MotionNet's flows are between neighbouring frames); at
 * full size they are the paper's MotionNet-(17): 16-frame clips and MotionNet
 * on those and the next frame (motionnet.frames defaults to data.frames + 1),
 * started from `pretrain-motionnet procedural --frames 17` when
 * motionnet.pretrained is given.
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
/** Fine-tuning inflated ImageNet weights, as TSN / the paper: lower rate, BatchNorm frozen but the first. */
const IMAGENET: PartialConfig = {
  data: { frames: 8, size: 112 },
  train: { epochs: 30, batchSize: 8, batchNorm: 'partial' },
  optimizer: { name: 'sgd', lr: 0.001, momentum: 0.9, weightDecay: 5e-4 },
  schedule: { kind: 'cosine', warmupSteps: 100 },
};

const MODELS: Record<string, { model: PartialConfig['model']; data?: PartialConfig['data'] }> = {
  'c2d-r18': { model: { variant: 'c2d' } },
  's3d-r18': { model: { variant: 's3d' } },
  'trajectorynet-r18': { model: { variant: 'trajectorynet', trajectorySource: 'tvl1' } },
  'trajectorynet-r18-motion': { model: { variant: 'trajectorynet', trajectorySource: 'tvl1', withMotion: true } },
  'trajectorynet-r18-motionnet': { model: { variant: 'trajectorynet', trajectorySource: 'motionnet' }, data: { frameInterval: 1 } },
  'trajectorynet-r18-motionnet-motion': { model: { variant: 'trajectorynet', trajectorySource: 'motionnet', withMotion: true }, data: { frameInterval: 1 } },
};

const SIZES = { '': FULL, '-tiny': TINY, '-imagenet': IMAGENET } as const;

export const PRESET_NAMES: string[] = Object.keys(MODELS).flatMap((name) => Object.keys(SIZES).map((suffix) => `${name}${suffix}`));

/** Presets whose config needs a key the user must give (a file of theirs). */
export function presetRequirements(name: string): string[] {
  return name.endsWith('-imagenet') ? ['model.pretrained'] : [];
}

/** The preset's settings, to be merged under the user's file and flags; undefined for an unknown name. */
export function presetConfig(name: string): PartialConfig | undefined {
  const suffix = (Object.keys(SIZES) as (keyof typeof SIZES)[]).find((s) => s !== '' && name.endsWith(s)) ?? '';
  const entry = MODELS[name.slice(0, name.length - suffix.length)];
  if (entry == null) return undefined;
  const base = SIZES[suffix];
  // MotionNet-(17): 16-frame clips for the joint presets but the CPU-sized -tiny ones
  const motionNet17 = entry.model?.trajectorySource === 'motionnet' && suffix !== '-tiny' ? { frames: 16 } : {};
  return { ...base, preset: name, model: { depth: 18, ...base.model, ...entry.model }, data: { ...base.data, ...entry.data, ...motionNet17 } };
}
