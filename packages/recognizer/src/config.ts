/**
 * What a recognizer is: its backbone, and where a TrajectoryNet's
 * trajectories come from. Small on purpose: it is what a checkpoint needs to
 * rebuild the network, and what a browser page needs to run it.
 */
import { PRESET_STAGES, type TrajectoryNetConfig } from '@trajectorynet/resnet-s3d';
import { RecognizerError } from './errors.js';

/** A ResNet stage whose blocks can take trajectory convs. */
export type TrajectoryStage = 'res2' | 'res3' | 'res4' | 'res5';
export const TRAJECTORY_STAGES: readonly TrajectoryStage[] = ['res2', 'res3', 'res4', 'res5'];

export interface RecognizerConfig {
  /** c2d: no temporal conv; s3d: 3x1x1 temporal convs; trajectorynet: trajectory convs in res3 and res4 (or trajectoryStages). */
  variant: 'c2d' | 's3d' | 'trajectorynet';
  /** TrajectoryNet: the stages whose temporal convs follow trajectories (default the paper's middle stages, res3 and res4); the others keep 3x1x1 temporal convs. */
  trajectoryStages?: TrajectoryStage[];
  depth: 18 | 34 | 50;
  /** Channel multiplier of the ResNet widths (1 = the paper's network). */
  width: number;
  /** TrajectoryNet: also stack the trajectory offsets onto the features ("with motion"). */
  withMotion: boolean;
  dropout: number;
  /** Frames T of the backbone's clip and its square size. */
  frames: number;
  size: number;
  numClasses: number;
  /** TrajectoryNet: flows given with each clip (TV-L1, precomputed or ground truth), or MotionNet trained jointly. */
  trajectories: 'flow' | 'motionnet';
  /**
   * MotionNet: its channel multiplier; its input frames per stack (2: a
   * pairwise network run on each consecutive pair of the clip; more: one stack
   * of consecutive frames that covers the backbone's clip); `stride`, the
   * backbone's clip takes every stride-th of the consecutive frames and the
   * flows in between are chained (default 1).
   */
  motionnet: { width: number; frames: number; stride?: number };
  /** How clips were normalised (MotionNet takes RGB in 0..1): per-channel mean and std of the 0..1 pixels. */
  inputMean: [number, number, number];
  inputStd: [number, number, number];
  /** BatchNorm when training: train (batch statistics), frozen (all fixed), partial (all but the first fixed, as TSN). */
  batchNorm: 'train' | 'frozen' | 'partial';
}

/** The defaults of every key but numClasses. */
export const RECOGNIZER_DEFAULTS: Omit<RecognizerConfig, 'numClasses'> = {
  variant: 's3d',
  depth: 18,
  width: 1,
  withMotion: false,
  dropout: 0.5,
  frames: 8,
  size: 112,
  trajectories: 'flow',
  motionnet: { width: 0.25, frames: 9 },
  inputMean: [0.485, 0.456, 0.406],
  inputStd: [0.229, 0.224, 0.225],
  batchNorm: 'train',
};

/** Consecutive frames from the backbone's first frame to its last: stride x (T - 1) + 1. */
export function motionNetSpan(config: RecognizerConfig): number {
  return (config.motionnet.stride ?? 1) * (config.frames - 1) + 1;
}

/** What the recognizer needs with each clip: consecutive frames for MotionNet (its stack, or the span for a pairwise one), else the backbone's T. */
export function recognizerInputs(config: RecognizerConfig): { clipFrames: number; flows: boolean } {
  const motionnet = config.variant === 'trajectorynet' && config.trajectories === 'motionnet';
  const motionFrames = config.motionnet.frames === 2 ? motionNetSpan(config) : config.motionnet.frames;
  return { clipFrames: motionnet ? motionFrames : config.frames, flows: config.variant === 'trajectorynet' && config.trajectories === 'flow' };
}

export function checkRecognizerConfig(config: RecognizerConfig): void {
  const bad = (key: string, why: string) => new RecognizerError('BAD_ARGUMENT', why, { path: key });
  if (!Number.isInteger(config.numClasses) || config.numClasses < 1) throw bad('numClasses', `must be a positive integer, got ${config.numClasses}`);
  if (!Number.isInteger(config.frames) || config.frames < 2) throw bad('frames', `must be an integer >= 2, got ${config.frames}`);
  if (config.trajectoryStages != null) {
    if (config.variant !== 'trajectorynet') throw bad('trajectoryStages', `only a trajectorynet has trajectory stages, this is a ${config.variant}`);
    const unknown = config.trajectoryStages.find((s) => !TRAJECTORY_STAGES.includes(s));
    if (unknown != null || config.trajectoryStages.length === 0) throw bad('trajectoryStages', `takes one or more of ${TRAJECTORY_STAGES.join(', ')}, got ${JSON.stringify(config.trajectoryStages)}`);
  }
  if (config.variant === 'trajectorynet' && config.trajectories === 'motionnet') {
    const stride = config.motionnet.stride ?? 1;
    if (!Number.isInteger(stride) || stride < 1) throw bad('motionnet.stride', `must be a positive integer, got ${stride}`);
    const span = motionNetSpan(config);
    if (config.motionnet.frames !== 2 && !(config.motionnet.frames >= span)) {
      throw bad(
        'motionnet.frames',
        `must be 2 (pairwise) or at least the ${span} consecutive frames the clip spans (MotionNet sees the clip and the frames after it), got ${config.motionnet.frames}`,
      );
    }
  }
}

/** The temporal conv of res2..res5 when the given stages follow trajectories and the others do not. */
function trajectoryStageKinds(stages: TrajectoryStage[]): NonNullable<TrajectoryNetConfig['stages']> {
  const kind = (s: TrajectoryStage) => (stages.includes(s) ? 'trajectory' : 'temporal');
  return [kind('res2'), kind('res3'), kind('res4'), kind('res5')];
}

/** The backbone's config (resnet-s3d). */
export function backboneConfig(config: RecognizerConfig): TrajectoryNetConfig {
  return {
    depth: config.depth,
    numClasses: config.numClasses,
    frames: config.frames,
    size: config.size,
    width: config.width,
    stages: config.variant === 'trajectorynet' && config.trajectoryStages != null ? trajectoryStageKinds(config.trajectoryStages) : PRESET_STAGES[config.variant],
    withMotion: config.withMotion,
    dropout: config.dropout,
  };
}
