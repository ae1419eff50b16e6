/**
 * @trajectorynet/resnet-s3d for browsers (the package's "browser" export
 * condition): the backbones and their layers; saving to and loading from
 * disk (`saveModel`, `loadModel`) and ImageNet inflation read files and are
 * Node-only (in a page, `registerLayers()` then `tf.loadLayersModel(url)`).
 */
export { BLOCKS, PRESET_STAGES, type ResolvedConfig, resolveConfig, type TemporalKind, type TrajectoryNetConfig, usesTrajectories } from './config.js';
export { BatchNorm5D, GlobalAveragePool3D, SpatialConv3D, SpatialMaxPool3D, StackMotion, StageOffsets } from './layers/spatial.js';
export { createTrajectoryNet } from './model.js';
export { type FoldReport, foldBatchNorm } from './fold.js';
export { type BatchNormTrainingResult, batchNormTraining, nativeBatchNormTraining, type RunningStatistics } from './layers/batch-norm-training.js';
export { type ModelSummary, summarize } from './summary.js';
export { registerLayers } from './register.js';
export { ResNetS3DError } from './errors.js';
