export { BLOCKS, PRESET_STAGES, type ResolvedConfig, resolveConfig, type TemporalKind, type TrajectoryNetConfig, usesTrajectories } from './config.js';
export { BatchNorm5D, GlobalAveragePool3D, SpatialConv3D, SpatialMaxPool3D, StackMotion, StageOffsets } from './layers/spatial.js';
export { createTrajectoryNet } from './model.js';
export { type FoldReport, foldBatchNorm } from './fold.js';
export { type ModelSummary, summarize } from './summary.js';
export { loadModel, saveModel } from './io.js';
export { registerLayers } from './register.js';
export { ResNetS3DError } from './errors.js';
export { type InflationReport, inflateResNet, readSafetensors } from './inflate.js';
