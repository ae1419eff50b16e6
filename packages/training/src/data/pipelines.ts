/**
 * The clip pipelines of a training config (video-io's one pipeline): what
 * training, validation, evaluation and prediction load, so that all of them
 * sample, crop and normalise the same way.
 */
import { type ClipPipeline, type FlowSpec, IMAGENET_MEAN, IMAGENET_STD } from '@trajectorynet/video-io';
import { clipSpan, motionNetFrames, type TrainConfig } from '../config/schema.js';

const isJoint = (config: TrainConfig) => config.model.variant === 'trajectorynet' && config.model.trajectorySource === 'motionnet';

/** Frames per loaded clip: the backbone's T, or MotionNet's consecutive frames when it gives the trajectories (a pairwise one: the clip's span). */
export function clipFrames(config: TrainConfig): number {
  if (!isJoint(config)) return config.data.frames;
  const frames = motionNetFrames(config);
  return frames === 2 ? clipSpan(config) : frames;
}

/** Real videos are decoded with this shorter side (then cropped to data.size). */
export function decodeShorterSide(config: TrainConfig): number | undefined {
  if (config.data.kind === 'synthetic') return undefined; // rendered at data.size x renderScale, resized to data.size by the 'full' crop
  return config.data.resizeShorter ?? Math.round((config.data.size * 8) / 7);
}

export function clipPipeline(config: TrainConfig, mode: 'train' | 'test', flows?: FlowSpec): ClipPipeline {
  const { data } = config;
  const frames = clipFrames(config);
  const numClips = mode === 'test' ? config.eval.clips : 1;
  const synthetic = data.kind === 'synthetic';
  const crop: ClipPipeline['crop'] = synthetic ? 'full' : mode === 'train' ? 'multiscale' : config.eval.crops === 3 ? 'three' : 'centre';
  return {
    // MotionNet takes consecutive frames (the recognizer picks the backbone's every frameInterval-th)
    sampling: data.frameInterval === 0 ? { kind: 'segments', segments: frames, numClips } : { kind: 'dense', clipLength: frames, interval: isJoint(config) ? 1 : data.frameInterval, numClips },
    mode,
    resizeShorter: decodeShorterSide(config),
    crop: synthetic && mode === 'test' && config.eval.crops === 3 ? 'three' : crop,
    size: [data.size, data.size],
    flip: data.flip,
    mean: IMAGENET_MEAN,
    std: IMAGENET_STD,
    flows,
  };
}
