/**
 * The training config: one schema for JSON/YAML files, presets and flag
 * overrides. Every section is strict, so a misspelt key is an error that
 * names it rather than a setting silently ignored; every key is read.
 */
import { TRAJECTORY_STAGES, type TrajectoryStage } from '@trajectorynet/recognizer';
import { z } from 'zod';
import { OptimizerSchema } from '../loop/optimizer.js';
import { ScheduleSchema } from '../loop/schedule.js';

export const ModelSchema = z
  .object({
    /** c2d: no temporal conv; s3d: 3x1x1 temporal convs; trajectorynet: trajectory convs in res3 and res4 (or trajectoryStages). */
    variant: z.enum(['c2d', 's3d', 'trajectorynet']).default('s3d'),
    /** TrajectoryNet: the stages whose temporal convs follow trajectories (default res3 and res4, the paper's middle stages); the others keep 3x1x1 temporal convs. */
    trajectoryStages: z.array(z.enum(TRAJECTORY_STAGES as [TrajectoryStage, ...TrajectoryStage[]])).min(1).optional(),
    depth: z.union([z.literal(18), z.literal(34), z.literal(50)]).default(18),
    /** Channel width multiplier (1 = the paper's ResNet; 1/8 trains on a CPU). */
    width: z.number().gt(0).max(2).default(1),
    /** TrajectoryNet: also stack the trajectory offsets onto the features ("with motion"). */
    withMotion: z.boolean().default(false),
    /**
     * TrajectoryNet: where trajectories come from. tvl1: TV-L1 flows, read from data.flowDir or computed
     * once into the cache; groundtruth: the synthetic generator's true motion (the oracle);
     * motionnet: MotionNet trained jointly; motionnet-frozen: a pretrained pairwise MotionNet
     * (motionnet.pretrained) as the flow method, its flows computed once into the cache as
     * TV-L1's are, not trained.
     */
    trajectorySource: z.enum(['tvl1', 'groundtruth', 'motionnet', 'motionnet-frozen']).default('tvl1'),
    /** groundtruth: degrade the true motion by a smooth random error of this standard deviation (px per component at 64x64): the noisy oracles of the trajectory-quality curve. */
    trajectoryNoise: z.number().min(0).default(0),
    /** groundtruth: false follows only the object's translation, not its spin (a diagnostic: what trajectories that align the spin away do). */
    trajectorySpin: z.boolean().default(true),
    dropout: z.number().min(0).lt(1).default(0.5),
    /** A safetensors export of torchvision's ResNet state_dict to inflate (ImageNet initialisation). */
    pretrained: z.string().optional(),
  })
  .strict();

export const DataSchema = z
  .object({
    /** synthetic: the embedded procedural dataset; list: mmaction list files; sthv1 / sthv2: Something-Something; kinetics: class folders. */
    kind: z.enum(['synthetic', 'list', 'sthv1', 'sthv2', 'kinetics']).default('synthetic'),
    /** Videos or frame folders (list, sthv1, sthv2, kinetics). */
    root: z.string().optional(),
    /** list: mmaction list files; sthv1: the split CSVs; sthv2: the split JSONs. */
    trainList: z.string().optional(),
    valList: z.string().optional(),
    /** list: one class name per line (optional); sthv1: the labels CSV; sthv2: the labels JSON. */
    labels: z.string().optional(),
    /** Frames per clip (T) and the square input size (H = W). */
    frames: z.number().int().min(2).max(64).default(8),
    size: z.number().int().min(16).max(448).default(112),
    /** Dense sampling: T frames every `frameInterval` frames; 0: segment (TSN) sampling, one frame per T equal segments. */
    frameInterval: z.number().int().min(0).default(0),
    /** Decode real videos with this shorter side before cropping (default: size * 8/7, e.g. 128 for 112). */
    resizeShorter: z.number().int().min(16).optional(),
    /** Precomputed TV-L1 flows: one folder per video (extract-flow / flow-queue layout, x_/y_ JPEGs or .flo). */
    flowDir: z.string().optional(),
    /** The bound the flow JPEGs were quantised with (dense_flow uses 20). */
    flowBound: z.number().positive().default(20),
    /** Flip training clips horizontally half of the time (keep off for Something-Something: its labels say left and right). */
    flip: z.boolean().default(false),
    /** Synthetic data: clips per class in the train and val splits. */
    trainClipsPerClass: z.number().int().min(1).default(24),
    valClipsPerClass: z.number().int().min(1).default(8),
    /** Synthetic data: frames rendered per clip (default data.frames); longer clips make dense and segment sampling differ. */
    syntheticFrames: z.number().int().min(2).max(512).optional(),
    /** Synthetic data: the object's speed (pixels per frame at 64x64, scaled with the size) and turn (degrees per frame), each drawn per clip from [low, high]. */
    syntheticSpeed: z.tuple([z.number().min(0), z.number().min(0)]).default([6, 10]),
    syntheticTurn: z.tuple([z.number().min(0), z.number().min(0)]).default([25, 35]),
    /** Synthetic data: the object's look (stripes: the aperture problem along the bands; textured: structure in every direction). */
    syntheticAppearance: z.enum(['stripes', 'textured']).default('stripes'),
    /** Synthetic data: render (and solve TV-L1) at size x renderScale, then resize clips and flows to size, as a pipeline that computes flow on full frames and trains on smaller inputs. */
    renderScale: z.number().int().min(1).max(8).default(1),
    /** Loader: worker threads decoding clips (0: this thread), and clips decoded ahead of the training step. */
    workers: z.number().int().min(0).max(64).default(0),
    prefetch: z.number().int().min(0).default(4),
    /** Skip samples that fail to decode (counted in the log) instead of stopping. */
    skipBad: z.boolean().default(false),
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
    /** Read the loss from the device (progress line, NaN check) every N steps. */
    logEvery: z.number().int().min(1).default(10),
    /** Keep the checkpoints of the last N epochs as epoch_<n>.ckpt (0: only latest.ckpt and best.ckpt). */
    keep: z.number().int().min(0).default(0),
    /** Start from the weights of this checkpoint whose names and shapes match (transfer; another label set is fine). */
    initFrom: z.string().optional(),
    /**
     * Data-parallel: the format the gradients travel in between ranks. fp16
     * and bf16 halve the bytes (as PyTorch DDP's fp16/bf16_compress_hook) at
     * half precision's rounding; a step whose fp16 mean overflows is skipped
     * by every rank. One process ignores it.
     */
    gradCompression: z.enum(['none', 'fp16', 'bf16']).default('none'),
  })
  .strict();

export const MotionNetSchema = z
  .object({
    width: z.number().gt(0).max(1).default(0.25),
    /**
     * Consecutive frames MotionNet sees per stack: 2, a pairwise network run
     * on each consecutive pair the clip spans; or one stack covering the clip
     * (MotionNet-(17) for 16-frame clips). Default: the clip's span and the
     * frame after it (data.frames + 1 at frameInterval 1).
     */
    frames: z.number().int().min(2).optional(),
    /** Weight of MotionNet's unsupervised loss next to the classification loss. */
    lossWeight: z.number().min(0).default(1),
    /**
     * MotionNet's learning rate as a multiple of optimizer.lr when trained jointly
     * (mmaction2's paramwise lr_mult): a pretrained MotionNet can move slower than the classifier.
     */
    lrScale: z.number().min(0).default(1),
    /** A checkpoint of `trajectorynet pretrain-motionnet` (same frames and width) to start MotionNet from. */
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
  .strict()
  .superRefine((config, context) => {
    const issue = (path: string[], message: string) => context.addIssue({ code: 'custom', path, message });
    const { model, data, motionnet } = config;
    const trajectory = model.variant === 'trajectorynet';
    if (trajectory && model.trajectorySource === 'groundtruth' && data.kind !== 'synthetic') issue(['model', 'trajectorySource'], "'groundtruth' needs data.kind 'synthetic' (only generated clips know their true motion)");
    if (model.trajectoryNoise > 0 && !(trajectory && model.trajectorySource === 'groundtruth')) issue(['model', 'trajectoryNoise'], "only the oracle's trajectories (trajectorySource 'groundtruth') can be degraded");
    if (!model.trajectorySpin && !(trajectory && model.trajectorySource === 'groundtruth')) issue(['model', 'trajectorySpin'], "only the oracle's trajectories (trajectorySource 'groundtruth') can leave out the spin");
    if (trajectory && model.trajectorySource === 'motionnet') {
      if (data.frameInterval === 0) issue(['data', 'frameInterval'], 'MotionNet trajectories need dense sampling (data.frameInterval >= 1): MotionNet sees the consecutive frames between the clip\'s');
      const span = clipSpan(config);
      if (motionnet.frames != null && motionnet.frames !== 2 && motionnet.frames < span) {
        issue(['motionnet', 'frames'], `must be 2 (pairwise) or at least the ${span} consecutive frames the clip spans (data.frames at data.frameInterval)`);
      }
    }
    if (trajectory && model.trajectorySource === 'motionnet-frozen' && motionnet.pretrained == null) {
      issue(['motionnet', 'pretrained'], "'motionnet-frozen' computes the flows with a pretrained pairwise MotionNet: give its run folder (`trajectorynet pretrain-motionnet procedural`) or checkpoint");
    }
    for (const key of ['syntheticSpeed', 'syntheticTurn'] as const) if (data[key][0] > data[key][1]) issue(['data', key], `low (${data[key][0]}) is above high (${data[key][1]})`);
    if (data.syntheticFrames != null && data.syntheticFrames < data.frames) issue(['data', 'syntheticFrames'], `must be at least data.frames (${data.frames})`);
    if (data.flowDir != null && !(trajectory && model.trajectorySource === 'tvl1')) issue(['data', 'flowDir'], "flows are read only by a trajectorynet with trajectorySource 'tvl1'");
    if (model.withMotion && !trajectory) issue(['model', 'withMotion'], 'only a trajectorynet stacks its trajectories onto the features');
    if (model.trajectoryStages != null && !trajectory) issue(['model', 'trajectoryStages'], 'only a trajectorynet has trajectory stages');
    if (model.trajectoryStages != null && new Set(model.trajectoryStages).size !== model.trajectoryStages.length) issue(['model', 'trajectoryStages'], 'names a stage twice');
  });

export type TrainConfig = z.infer<typeof ConfigSchema>;
export type ModelConfig = z.infer<typeof ModelSchema>;
export type DataConfig = z.infer<typeof DataSchema>;

/** Consecutive video frames from a dense clip's first frame to its last: frameInterval x (frames - 1) + 1. */
export function clipSpan(config: Pick<TrainConfig, 'data'>): number {
  return Math.max(1, config.data.frameInterval) * (config.data.frames - 1) + 1;
}

/** MotionNet's input frames per stack: motionnet.frames, or the clip's span and the frame after it. */
export function motionNetFrames(config: TrainConfig): number {
  return config.motionnet.frames ?? clipSpan(config) + 1;
}
