/**
 * The training config: one schema for JSON/YAML files, presets and flag
 * overrides. Every section is strict, so a misspelt key is an error that
 * names it rather than a setting silently ignored.
 */
import { z } from 'zod';
import { OptimizerSchema } from '../train/optimizer.js';
import { ScheduleSchema } from '../train/schedule.js';

export const ModelSchema = z
  .object({
    /** c2d: no temporal conv; s3d: 3x1x1 temporal convs; trajectorynet: trajectory convs in res3 and res4. */
    variant: z.enum(['c2d', 's3d', 'trajectorynet']).default('s3d'),
    depth: z.union([z.literal(18), z.literal(34), z.literal(50)]).default(18),
    /** Channel width multiplier (1 = the paper's ResNet; 1/8 trains on a CPU). */
    width: z.number().gt(0).max(2).default(1),
    /** TrajectoryNet: also stack the trajectory offsets onto the features ("with motion"). */
    withMotion: z.boolean().default(false),
    /** TrajectoryNet: where trajectories come from. */
    trajectorySource: z.enum(['tvl1', 'motionnet']).default('tvl1'),
    dropout: z.number().min(0).lt(1).default(0.5),
    /** A safetensors export of torchvision's ResNet state_dict to inflate (optional). */
    pretrained: z.string().optional(),
  })
  .strict();

export const DataSchema = z
  .object({
    /** synthetic: the embedded procedural dataset; list: an mmaction list file; sthv1/sthv2/kinetics: dataset folders. */
    kind: z.enum(['synthetic', 'list', 'sthv1', 'sthv2', 'kinetics']).default('synthetic'),
    root: z.string().optional(),
    trainList: z.string().optional(),
    valList: z.string().optional(),
    /** A text file with one class name per line (list datasets). */
    labels: z.string().optional(),
    /** Frames per clip (T) and the square input size (H = W). */
    frames: z.number().int().min(2).max(64).default(8),
    size: z.number().int().min(16).max(448).default(112),
    /** Frames between sampled frames (dense sampling) or 0 for segment (TSN) sampling. */
    frameInterval: z.number().int().min(0).default(0),
    /** Precomputed TV-L1 flow in the dense_flow layout (from `extract-flow`); default: computed and cached. */
    flowDir: z.string().optional(),
    /** Synthetic data: clips per class in the train and val splits. */
    trainClipsPerClass: z.number().int().min(1).default(24),
    valClipsPerClass: z.number().int().min(1).default(8),
    /** Loader: clips decoded ahead of the training step. */
    prefetch: z.number().int().min(0).default(4),
  })
  .strict();

export const TrainSchema = z
  .object({
    epochs: z.number().int().min(1).default(10),
    batchSize: z.number().int().min(1).default(8),
    /** Micro-batches whose gradients are summed before one update (effective batch = batchSize x accumulate). */
    accumulate: z.number().int().min(1).default(1),
    seed: z.number().int().default(1),
    /** train: BatchNorm learns and uses batch statistics; frozen: all BN fixed; partial: all but the first BN fixed (TSN). */
    batchNorm: z.enum(['train', 'frozen', 'partial']).default('train'),
    /** Save a checkpoint every N optimisation steps (0: only at epoch ends). */
    checkpointEvery: z.number().int().min(0).default(0),
    /** Validate every N epochs. */
    validateEvery: z.number().int().min(1).default(1),
  })
  .strict();

export const MotionNetSchema = z
  .object({
    width: z.number().gt(0).max(1).default(0.25),
    /** Weight of MotionNet's unsupervised loss next to the classification loss. */
    lossWeight: z.number().min(0).default(1),
    /** A checkpoint of `trajectorynet pretrain-motionnet` (same frames, size and width) to start MotionNet from. */
    pretrained: z.string().optional(),
  })
  .strict();

export const EvalSchema = z
  .object({
    /** Clips per video and crops per clip averaged at test time. */
    clips: z.number().int().min(1).default(1),
    crops: z.union([z.literal(1), z.literal(3)]).default(1),
  })
  .strict();

export const ConfigSchema = z
  .object({
    /** The preset this config started from (informational once resolved). */
    preset: z.string().optional(),
    backend: z.enum(['auto', 'tensorflow', 'wasm', 'cpu']).default('auto'),
    model: ModelSchema.default(ModelSchema.parse({})),
    data: DataSchema.default(DataSchema.parse({})),
    train: TrainSchema.default(TrainSchema.parse({})),
    optimizer: OptimizerSchema.default(OptimizerSchema.parse({})),
    schedule: ScheduleSchema.default(ScheduleSchema.parse({})),
    motionnet: MotionNetSchema.default(MotionNetSchema.parse({})),
    eval: EvalSchema.default(EvalSchema.parse({})),
  })
  .strict();

export type TrainConfig = z.infer<typeof ConfigSchema>;
export type ModelConfig = z.infer<typeof ModelSchema>;
export type DataConfig = z.infer<typeof DataSchema>;
