/**
 * @trajectorynet/training: configs and presets, the one training loop with
 * pluggable objectives, classification runs, evaluation, run reports and
 * SVG charts.
 */
export { deepMerge, parseOverride, readConfigFile, resolveConfig, type ConfigSources } from './config/load.js';
export { regimeOverrides, SYNTHETIC_REGIMES, type SyntheticRegime, type SyntheticRegimeName } from './config/regimes.js';
export { PRESET_NAMES, presetConfig, presetRequirements } from './config/presets.js';
export { ConfigSchema, type DataConfig, type ModelConfig, motionNetFrames, type TrainConfig } from './config/schema.js';
export { type BatchOptions, type ClipBatch, clipBatches, recognizerInput } from './data/batches.js';
export { loadDataset, loadDatasets } from './data/datasets.js';
export { extractionJobs, type FlowSource, flowCacheDir, flowSourceOf, prepareFlows, type RunFlows } from './data/flows.js';
export { clipFrames, clipPipeline, decodeShorterSide } from './data/pipelines.js';
export { loadTextureFrames, type ProceduralSettings, type ProceduralSource, proceduralStacks, type StackBatch } from './data/procedural.js';
export { TrainingError, type TrainingErrorCode } from './errors.js';
export { type EvaluationReport, evaluate, scoreVideos, type VideoScores } from './eval/evaluate.js';
export { type ClassificationReport, confusionCsv, MetricsAccumulator, topK } from './eval/metrics.js';
export { type LoopSettings, type Objective, type RunState, type TrainableModel, trainLoop, type TrainLoopOptions, type Validation } from './loop/loop.js';
export { createOptimizer, type OptimizerConfig, OptimizerSchema } from './loop/optimizer.js';
export { BEST, type EpochRecord, LATEST, METRICS, parseMetrics, type StepRecord } from './loop/run-files.js';
export { learningRateAt, type Schedule, ScheduleSchema } from './loop/schedule.js';
export { classificationObjective } from './objectives/classification.js';
export { trainingCurvesSvg, writeEvaluation } from './report/run-report.js';
export { type BarGroup, barChart, heatmap, lineChart, type Series } from './report/svg.js';
export { accuracyInterval, formatInterval, type Interval, meanInterval, pairedDifference, tQuantile975 } from './report/stats.js';
export { type ClassifierMeta, EVAL_SECTIONS, type EvaluateCheckpointOptions, evaluateCheckpoint, loadTrainedModel, predictFromCheckpoint, predictVideo, recognizerConfig, type RunOptions, type RunSummary, runTraining, testBatches, useBackend } from './run.js';
export { loadMotionNet, type LrDecay, type MotionNetMeta, type MotionNetSource, PROCEDURAL_PRETRAINING, pretrainMotionNet, type PretrainMotionNetOptions, type PretrainMotionNetResult, sourceSamples } from './motionnet-pretraining.js';
export { exportWebModel, type WebExport } from './web-model/export.js';
export { checkWebManifest, WEB_MANIFEST, WEB_MODEL_FORMAT, type WebModelManifest, type WebTrajectories } from './web-model/format.js';
