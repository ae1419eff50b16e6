/**
 * The trainer's building blocks, for the benchmark app and for programs that
 * drive training themselves: config, training loop, evaluation, reports.
 */
export { resolveConfig } from './config/load.js';
export { PRESET_NAMES, presetConfig } from './config/presets.js';
export { ConfigSchema, type DataConfig, type ModelConfig, type TrainConfig } from './config/schema.js';
export { TrainerError, type TrainerErrorCode } from './errors.js';
export { evaluate, type EvaluationReport, scoreVideos } from './eval/evaluate.js';
export { type ClassificationReport, confusionCsv, MetricsAccumulator, topK } from './eval/metrics.js';
export { createProgress, formatDuration, type Progress } from './progress.js';
export { trainingCurvesSvg, writeEvaluation } from './report/run-report.js';
export { type BarGroup, barChart, heatmap, lineChart, type Series } from './report/svg.js';
export type { BatchTensors, ClassifierAdapter, HostBatch } from './train/batch.js';
export { type EpochRecord, type RunState, train } from './train/loop.js';
export { datasetBatches, loadTrainedModel, type RunOptions, type RunSummary, runTraining } from './run.js';
