/**
 * @trajectorynet/training: configs and presets, the one training loop with
 * pluggable objectives, classification runs, evaluation, run reports and
 * SVG charts.
 */

export { checkTrainingSetSize, ignoredKeys, scheduleWarnings } from './config/checks.js';
export { type ConfigSources, deepMerge, parseOverride, type ResolveOptions, readConfigFile, resolveConfig } from './config/load.js';
export { regimeOverrides, SYNTHETIC_REGIMES, type SyntheticRegime, type SyntheticRegimeName } from './config/regimes.js';
export { PRESET_NAMES, presetConfig, presetRequirements } from './config/presets.js';
export { ConfigSchema, type DataConfig, type ModelConfig, motionNetFrames, type TrainConfig } from './config/schema.js';
export { type BatchOptions, type ClipBatch, clipBatches, recognizerInput } from './data/batches.js';
export { loadDataset, loadDatasets } from './data/datasets.js';
export { extractionJobs, type FlowSource, flowCacheDir, flowSourceOf, prepareFlows, type RunFlows } from './data/flows.js';
export { clipFrames, clipPipeline, decodeShorterSide } from './data/pipelines.js';
export { loadTextureFrames, type ProceduralSettings, type ProceduralSource, proceduralStacks, type StackBatch } from './data/procedural.js';
export { TrainingError, type TrainingErrorCode } from './errors.js';
export { type CheckpointEvaluation, EVAL_SECTIONS, type EvaluateCheckpointOptions, evalFolder, evaluateCheckpoint } from './eval/checkpoint.js';
export { type EvaluationReport, evalShard, evaluate, evaluateSharded, reportOf, scoreVideos, scoreVideosSharded, type VideoScores } from './eval/evaluate.js';
export { type ClassificationReport, confusionCsv, MetricsAccumulator, topK } from './eval/metrics.js';
export { type LoopSettings, type Objective, type RunStart, type RunState, type TrainableModel, type TrainLoopOptions, trainLoop, type Validation } from './loop/loop.js';
export { createOptimizer, type OptimizerConfig, OptimizerSchema } from './loop/optimizer.js';
export { BEST, type EpochRecord, epochCheckpoint, LATEST, METRICS, parseMetrics, type StepRecord } from './loop/run-files.js';
export { learningRateAt, type Schedule, ScheduleSchema } from './loop/schedule.js';
export { createRunLog, RUN_LOG, type RunLog } from './monitor/run-log.js';
export { CURVES, createRunMonitor, formatStepRecord, type RunMonitor } from './monitor/run-monitor.js';
export { CONFIG_FILE, type RunFolder, startRunFolder } from './monitor/run-start.js';
export { type LrDecay, loadMotionNet, type MotionNetMeta, type MotionNetSource, PROCEDURAL_PRETRAINING, type PretrainMotionNetOptions, type PretrainMotionNetResult, pretrainMotionNet, sourceSamples } from './motionnet-pretraining.js';
export { classificationObjective } from './objectives/classification.js';
export { perClassTable, trainingCurvesSvg, writeEvaluation } from './report/run-report.js';
export { accuracyInterval, formatInterval, type Interval, meanInterval, pairedDifference, tQuantile975 } from './report/stats.js';
export { type BarGroup, barChart, heatmap, lineChart, type Series } from './report/svg.js';
export { type ClassifierMeta, loadTrainedModel, predictFromCheckpoint, predictVideo, type RunOptions, type RunSummary, recognizerConfig, runTraining, testBatches, useBackend } from './run.js';
export { exportWebModel, type WebExport } from './web-model/export.js';
export { checkWebManifest, WEB_MANIFEST, WEB_MODEL_FORMAT, type WebModelManifest, type WebTrajectories } from './web-model/format.js';
