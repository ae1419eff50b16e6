/** The network config: backbone depth and width, per-stage temporal conv kind, motion, head. */
import { ResNetS3DError } from './errors.js';

export type TemporalKind = 'temporal' | 'trajectory' | 'none';

export interface TrajectoryNetConfig {
  depth: 18 | 34 | 50;
  numClasses: number;
  /** Input clip: frames and square size. */
  frames: number;
  size: number;
  /** Channel multiplier of the ResNet widths 64, 128, 256, 512 (1 = the paper's network). */
  width?: number;
  /** The second temporal conv of each block of stages res2..res5: temporal (S3D), trajectory (TrajectoryNet) or none (C2D). */
  stages?: [TemporalKind, TemporalKind, TemporalKind, TemporalKind];
  /** Stack the stage's trajectory offsets onto the features before each trajectory stage. */
  withMotion?: boolean;
  /** Taps K of the temporal/trajectory convs (odd). */
  taps?: number;
  /** Temporal stride of the first block of each stage (1 keeps T; trajectory stages need T = the number of flow fields). */
  temporalStrides?: [number, number, number, number];
  dropout?: number;
}

export type ResolvedConfig = Required<TrajectoryNetConfig>;

export const PRESET_STAGES: Record<'c2d' | 's3d' | 'trajectorynet', [TemporalKind, TemporalKind, TemporalKind, TemporalKind]> = {
  c2d: ['none', 'none', 'none', 'none'],
  s3d: ['temporal', 'temporal', 'temporal', 'temporal'],
  // the paper replaces the temporal convs of the middle stages (res3, res4)
  trajectorynet: ['temporal', 'trajectory', 'trajectory', 'temporal'],
};

export const BLOCKS: Record<18 | 34 | 50, [number, number, number, number]> = {
  18: [2, 2, 2, 2],
  34: [3, 4, 6, 3],
  50: [3, 4, 6, 3],
};

export function resolveConfig(config: TrajectoryNetConfig): ResolvedConfig {
  const resolved: ResolvedConfig = {
    width: 1,
    stages: PRESET_STAGES.s3d,
    withMotion: false,
    taps: 3,
    temporalStrides: [1, 1, 1, 1],
    dropout: 0.5,
    ...config,
  };
  if (![18, 34, 50].includes(resolved.depth)) throw new ResNetS3DError('BAD_ARGUMENT', `must be 18, 34 or 50, got ${resolved.depth}`, { path: 'depth' });
  if (!(resolved.numClasses >= 1)) throw new ResNetS3DError('BAD_ARGUMENT', `must be >= 1, got ${resolved.numClasses}`, { path: 'numClasses' });
  if (resolved.taps % 2 !== 1) throw new ResNetS3DError('BAD_ARGUMENT', `must be odd, got ${resolved.taps}`, { path: 'taps' });
  return resolved;
}

/** True when the network takes trajectory offsets as a second input. */
export function usesTrajectories(config: TrajectoryNetConfig): boolean {
  return resolveConfig(config).stages.includes('trajectory');
}
