/**
 * A classification training run from a resolved config: datasets, flows,
 * recognizer, loaders, the loop, validation, and the files it leaves in
 * `outDir` (checkpoints, metrics.jsonl, curves.svg, config.json, and the
 * evaluation of the best model).
 */
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { DataParallel } from '@trajectorynet/distributed';
import { createRecognizer, foldRecognizer, type Recognizer, type RecognizerConfig } from '@trajectorynet/recognizer';
import { inflateResNet, ResNetS3DError } from '@trajectorynet/resnet-s3d';
import { assignMatchingWeights, assignWeights, type BackendName, CheckpointError, initBackend, loadCheckpoint } from '@trajectorynet/runtime';
import { type Dataset, IMAGENET_MEAN, IMAGENET_STD, type Sample } from '@trajectorynet/video-io';
import { checkTrainingSetSize, scheduleWarnings } from './config/checks.js';
import { presetRequirements } from './config/presets.js';
import { motionNetFrames, type TrainConfig } from './config/schema.js';
import { type ClipBatch, clipBatches } from './data/batches.js';
import { loadDatasets } from './data/datasets.js';
import { type FlowSource, prepareFlows, type RunFlows } from './data/flows.js';
import { clipPipeline } from './data/pipelines.js';
import { TrainingError } from './errors.js';
import { type EvaluationReport, evalShard, evaluate, evaluateSharded, scoreVideos } from './eval/evaluate.js';
import { type RunState, trainLoop } from './loop/loop.js';
import { BEST, LATEST, runFiles } from './loop/run-files.js';
import { createRunMonitor, type RunMonitor } from './monitor/run-monitor.js';
import { type RunFolder, startRunFolder } from './monitor/run-start.js';
import { classificationObjective } from './objectives/classification.js';
import { writeEvaluation } from './report/run-report.js';

/** What a classifier checkpoint carries besides its tensors. */
export interface ClassifierMeta {
  kind: 'classifier';
  config: TrainConfig;
  labels: string[];
  recognizer: RecognizerConfig;
}

export interface RunOptions {
  outDir: string;
  resume?: boolean;
  /** Resume from this checkpoint (of this run folder or another) instead of outDir's latest.ckpt. */
  resumeFrom?: string;
  /** What started the run (e.g. the command line), the first line of run.log. */
  command?: string;
  /** Warnings found while resolving the config (e.g. keys the data kind ignores), repeated in run.log. */
  warnings?: string[];
  /** Replace a run already in outDir (otherwise refused, so that nothing is lost by a typo). */
  overwrite?: boolean;
  /** Where computed TV-L1 flows are kept (default: .trajectorynet-cache beside outDir). */
  cacheDir?: string;
  /** Where the lines of run.log are also shown (default: stderr). */
  log?: (message: string) => void;
  /** Stop after this many steps in this process (tests of resume). */
  maxStepsThisRun?: number;
  quiet?: boolean;
  /**
   * Data-parallel over a process group: this rank trains on the samples i with
   * i mod ranks = rank (shuffled each epoch by seed and epoch), and only rank 0
   * writes files. Validation is sharded the same way (sample i on rank i mod
   * ranks) and reduced, so every rank reports the metrics of the whole set.
   */
  parallel?: DataParallel;
}

export interface RunSummary {
  state: RunState<ClassifierMeta>;
  best: EvaluationReport | null;
  flows: { source: FlowSource; solves: number };
  trainClipsPerSecond: number;
  seconds: number;
  outDir: string;
}

export async function useBackend(config: TrainConfig): Promise<void> {
  await initBackend({ prefer: config.backend === 'auto' ? undefined : (config.backend as BackendName), log: null });
}

/** The recognizer a training config describes. */
export function recognizerConfig(config: TrainConfig, numClasses: number): RecognizerConfig {
  const { model, data } = config;
  return {
    variant: model.variant,
    depth: model.depth,
    width: model.width,
    withMotion: model.withMotion,
    ...(model.trajectoryStages != null ? { trajectoryStages: model.trajectoryStages } : {}),
    dropout: model.dropout,
    frames: data.frames,
    size: data.size,
    numClasses,
    trajectories: model.trajectorySource === 'motionnet' ? 'motionnet' : 'flow',
    motionnet: { width: config.motionnet.width, frames: motionNetFrames(config), stride: Math.max(1, data.frameInterval) },
    inputMean: IMAGENET_MEAN,
    inputStd: IMAGENET_STD,
    batchNorm: config.train.batchNorm,
  };
}

const disposeCheckpoint = (c: { weights: { tensor: tf.Tensor }[]; optimizer: { tensor: tf.Tensor }[] }) => tf.dispose([...c.weights, ...c.optimizer].map((t) => t.tensor));

/** The starting weights of a new run: ImageNet inflation, a pretrained MotionNet, a checkpoint of another run. */
async function initialWeights(recognizer: Recognizer, config: TrainConfig, log: (m: string) => void): Promise<void> {
  if (config.model.pretrained != null) {
    try {
      const report = await inflateResNet(recognizer.backbone, config.model.pretrained);
      log(`inflated ${report.copied.length} layers from ${config.model.pretrained}`);
    } catch (error) {
      if (error instanceof ResNetS3DError) throw new TrainingError('BAD_CONFIG', `model.pretrained: ${error.message}`, { path: config.model.pretrained, cause: error });
      throw error;
    }
  }
  // a frozen MotionNet is a flow method (data/flows.ts), not part of the model
  if (config.motionnet.pretrained != null && config.model.trajectorySource !== 'motionnet-frozen') {
    // a pretrain-motionnet run folder (its latest.ckpt) or a checkpoint file, as `trajectorynet flow --motionnet` takes them
    const file = (await stat(config.motionnet.pretrained).catch(() => null))?.isDirectory() ? path.join(config.motionnet.pretrained, LATEST) : config.motionnet.pretrained;
    if (recognizer.motionNet == null) throw new TrainingError('BAD_CONFIG', "motionnet.pretrained is set but the model has no MotionNet (use model.trajectorySource 'motionnet')", { path: 'motionnet.pretrained' });
    const saved = await loadCheckpoint<{ meta?: { kind?: string; settings?: { frames: number; widthMultiplier: number } } }>(file);
    try {
      const meta = saved.state.meta;
      if (meta?.kind !== 'motionnet' || meta.settings == null) throw new CheckpointError('BAD_CHECKPOINT', 'not a MotionNet checkpoint (write one with `trajectorynet pretrain-motionnet`)', { path: file });
      const frames = motionNetFrames(config);
      if (meta.settings.frames !== frames) {
        const pairwise = meta.settings.frames === 2 ? ', or set motionnet.frames=2 to run this pairwise network on each consecutive pair' : '';
        throw new TrainingError('BAD_CONFIG', `this MotionNet takes ${meta.settings.frames} frames; the model's takes ${frames} (the clip's span and the frame after it, or motionnet.frames): pretrain one with --frames ${frames}${pairwise}`, {
          path: file,
        });
      }
      if (meta.settings.widthMultiplier !== config.motionnet.width) {
        throw new TrainingError('BAD_CONFIG', `this MotionNet has width ${meta.settings.widthMultiplier}; the model's has motionnet.width ${config.motionnet.width}: pretrain one with --width ${config.motionnet.width}, or set motionnet.width=${meta.settings.widthMultiplier}`, { path: file });
      }
      assignWeights(recognizer.motionNet.weights, saved.weights, file);
    } finally {
      disposeCheckpoint(saved);
    }
    log(`MotionNet weights from ${file}`);
  }
  if (config.train.initFrom != null) {
    const saved = await loadCheckpoint(config.train.initFrom);
    try {
      const { loaded, skipped } = assignMatchingWeights(recognizer.weights, saved.weights);
      if (loaded.length === 0) throw new TrainingError('BAD_CHECKPOINT', 'no weight of this checkpoint fits the model (another architecture?)', { path: config.train.initFrom });
      log(`init from ${config.train.initFrom}: ${loaded.length} weights loaded, ${skipped.length} kept as initialised${skipped.length > 0 ? ` (${skipped.slice(0, 4).map((s) => `${s.name}: ${s.reason}`).join('; ')}${skipped.length > 4 ? '; ...' : ''})` : ''}`);
    } finally {
      disposeCheckpoint(saved);
    }
  }
}

function checkRequirements(config: TrainConfig): void {
  for (const key of presetRequirements(config.preset ?? '')) {
    const [section, name] = key.split('.') as [keyof TrainConfig, string];
    if ((config[section] as Record<string, unknown> | undefined)?.[name] == null) {
      throw new TrainingError('BAD_CONFIG', `the preset '${config.preset}' needs ${key} (e.g. --set ${key}=resnet18.safetensors)`, { path: key });
    }
  }
}

/** Batches of a dataset with the test pipeline (clips x crops views), as validation, `eval` and `predict` load them. */
export function testBatches(config: TrainConfig, val: Dataset, flows: RunFlows) {
  return clipBatches(val, clipPipeline(config, 'test', flows.spec), {
    batchSize: config.train.batchSize,
    seed: config.train.seed,
    shuffle: false,
    workers: config.data.workers,
    prefetch: config.data.prefetch,
    dropLast: false,
    skipBad: config.data.skipBad,
  });
}

export async function runTraining(config: TrainConfig, options: RunOptions): Promise<RunSummary> {
  const started = Date.now();
  checkRequirements(config);
  const resume = options.resume === true || options.resumeFrom != null;
  const parallel = options.parallel;
  // rank 0 alone writes the run's files (config.json, run.log, curves); the other ranks train silently
  const writer = parallel == null || parallel.rank === 0;
  // config.json and run.log before anything else: a run killed at any point can be read and repeated
  const folder: RunFolder = writer
    ? await startRunFolder(options.outDir, { config, command: options.command, resume, overwrite: options.overwrite, echo: options.log ?? ((m) => console.error(m)) })
    : { log: { file: '', info: () => {}, record: () => {} }, saveConfig: async () => {} };
  const runLog = folder.log;
  const log = (message: string) => runLog.info(message);
  for (const warning of options.warnings ?? []) log(`warning: ${warning}`);
  await useBackend(config);
  log(`backend ${tf.getBackend()}, seed ${config.train.seed}, run folder ${options.outDir}`);
  const { train: fullTrainSet, val: valSet } = await loadDatasets(config.data, config.train.seed);
  const trainSet = parallel == null ? fullTrainSet : { ...fullTrainSet, samples: fullTrainSet.samples.filter((_, i) => i % parallel.worldSize === parallel.rank) };
  // every rank takes as many steps: the smallest shard's batches
  const shardSize = Math.floor(fullTrainSet.samples.length / (parallel?.worldSize ?? 1));
  const stepsPerEpoch = checkTrainingSetSize(config, shardSize);
  for (const warning of scheduleWarnings(config, stepsPerEpoch)) log(`warning: ${warning}`);
  const cacheRoot = options.cacheDir ?? cacheBesideRun(options.outDir);
  const flows = await prepareFlows(config, [trainSet, valSet], { cacheRoot, quiet: options.quiet, log });
  let unreportedSolves = flows.solves;

  const recognizer = createRecognizer(recognizerConfig(config, trainSet.labels.length), config.train.seed);
  const meta: ClassifierMeta = { kind: 'classifier', config, labels: trainSet.labels, recognizer: recognizer.config };
  const monitor: RunMonitor = writer
    ? createRunMonitor({ outDir: options.outDir, files: runFiles(options.outDir), log: runLog, title: config.preset ?? 'training', epochs: config.train.epochs, quiet: options.quiet })
    : { onStart: async () => {}, onStep: async () => {}, onEpoch: async () => {}, stop: () => {} };
  let clipsSeen = 0;
  let trainSeconds = 0;
  try {
    const trainBatches = clipBatches(trainSet, clipPipeline(config, 'train', flows.spec), {
      batchSize: config.train.batchSize,
      seed: config.train.seed,
      shuffle: true,
      workers: config.data.workers,
      prefetch: config.data.prefetch,
      dropLast: true,
      skipBad: config.data.skipBad,
      onSkip: (sample, error) => log(`skipped ${sample}: ${error}`),
    });
    const valBatches = testBatches(config, valSet, flows);
    // data-parallel: each rank scores its shard of the validation set, one allreduce gives all the whole set's scores
    const valShard = parallel == null ? null : testBatches(config, { ...valSet, samples: evalShard(valSet.samples, parallel.rank, parallel.worldSize) }, flows);
    const motionNetVariables = new Set((recognizer.motionNet?.trainableWeights ?? []).map((w) => w.read().id));
    const state = await trainLoop<ClipBatch, ClassifierMeta>({
      settings: {
        epochs: config.train.epochs,
        batchesPerEpoch: Math.floor(shardSize / config.train.batchSize),
        accumulate: config.train.accumulate,
        seed: config.train.seed,
        optimizer: config.optimizer,
        schedule: config.schedule,
        checkpointEvery: config.train.checkpointEvery,
        validateEvery: config.train.validateEvery,
        logEvery: config.train.logEvery,
        keepEpochs: config.train.keep,
      },
      model: recognizer,
      lrScaleOf: (variable) => (motionNetVariables.has(variable.id) ? config.motionnet.lrScale : 1),
      objective: classificationObjective(recognizer, { auxWeight: config.motionnet.lossWeight }),
      batches: trainBatches,
      validate: async () => {
        const report =
          parallel == null || valShard == null
            ? await evaluate(recognizer, valBatches(0, 0), valSet.labels)
            : await evaluateSharded(recognizer, valShard(0, 0), valSet.labels, valSet.samples.length, parallel);
        return { score: report.top1, metrics: { top1: report.top1, top5: report.top5, meanClassAccuracy: report.meanClassAccuracy, loss: report.loss } };
      },
      meta,
      checkResume: (saved, file) => {
        if (saved.labels.join('\n') !== trainSet.labels.join('\n')) {
          throw new TrainingError(
            'BAD_CHECKPOINT',
            `its label map (${saved.labels.length} classes) differs from the dataset being trained on (${trainSet.labels.length} classes; to start from it with other classes, use --init-from)`,
            { path: file },
          );
        }
      },
      epochExtras: () => {
        // TV-L1 pairs solved for this epoch's flows (all before the first epoch of a run; none when cached)
        const extras = { flowSource: flows.source, tvl1Solves: unreportedSolves };
        unreportedSolves = 0;
        return extras;
      },
      outDir: options.outDir,
      // also when resume finds no checkpoint: a run stopped before its first one starts from the same weights
      initialize: () => initialWeights(recognizer, config, log),
      // data-parallel: a step every rank skipped, in run.log (rank 0 writes it)
      onSkip: ({ step, nonFiniteRanks, overflowed }) =>
        log(
          `step ${step} skipped on every rank: ${nonFiniteRanks > 0 ? `non-finite gradients on ${nonFiniteRanks} rank(s)` : `${overflowed} averaged gradient(s) past ${config.train.gradCompression}'s range`}`,
        ),
      resume,
      resumeFrom: options.resumeFrom,
      overwrite: options.overwrite,
      maxStepsThisRun: options.maxStepsThisRun,
      parallel,
      fingerprintExtra: parallel == null ? undefined : { config, labels: trainSet.labels, samples: fullTrainSet.samples.length },
      onStart: async (start) => {
        await folder.saveConfig(); // a resumed run's, once its checkpoint is accepted
        await monitor.onStart(start);
      },
      onStep: (record) => monitor.onStep(record),
      onEpoch: async (record) => {
        trainSeconds += record.seconds; // the epoch's training time (resumed parts included), without validation
        clipsSeen += (shardSize - (shardSize % config.train.batchSize)) * (parallel?.worldSize ?? 1);
        await monitor.onEpoch(record);
      },
    });
    if (!writer) return { state, best: null, flows: { source: flows.source, solves: flows.solves }, trainClipsPerSecond: 0, seconds: (Date.now() - started) / 1000, outDir: options.outDir };
    let best: EvaluationReport | null = null;
    if (state.epoch >= config.train.epochs && state.best != null) {
      // the final report is of the best checkpoint
      const bestFile = path.join(options.outDir, BEST);
      const checkpoint = await loadCheckpoint(bestFile);
      assignWeights(recognizer.weights, checkpoint.weights, bestFile);
      disposeCheckpoint(checkpoint);
      best = await evaluate(recognizer, valBatches(0, 0), valSet.labels);
      await writeEvaluation(options.outDir, best, valSet.labels, { checkpoint: bestFile, epoch: state.best.epoch, split: 'val', flowSource: flows.source });
      log(`best.ckpt: epoch ${state.best.epoch}, val top-1 ${(best.top1 * 100).toFixed(1)}%, top-5 ${(best.top5 * 100).toFixed(1)}% (report: eval.json, confusion.svg)`);
    }
    return {
      state,
      best,
      flows: { source: flows.source, solves: flows.solves },
      trainClipsPerSecond: trainSeconds > 0 ? clipsSeen / trainSeconds : 0,
      seconds: (Date.now() - started) / 1000,
      outDir: options.outDir,
    };
  } finally {
    monitor.stop();
    recognizer.dispose();
  }
}

/**
 * Rebuilds the recognizer of a classifier checkpoint, with its weights (and where in its run it was taken). `fold: true` (what predict, eval and export-web use): for
 * inference only, with the backbone's BatchNorms folded into its convs (`foldRecognizer`: the same scores in
 * fewer kernels; it cannot be trained).
 */
export async function loadTrainedModel(checkpointPath: string, options: { fold?: boolean } = {}): Promise<{ recognizer: Recognizer; meta: ClassifierMeta; epoch: number; step: number }> {
  // a backend before any tensor exists (TRAJECTORYNET_BACKEND or the best available)
  await initBackend({ log: null });
  const checkpoint = await loadCheckpoint<RunState<ClassifierMeta>>(checkpointPath);
  try {
    const meta = checkpoint.state.meta;
    if (meta?.kind !== 'classifier') {
      throw new CheckpointError('BAD_CHECKPOINT', `not a classifier checkpoint (${meta?.kind === 'motionnet' ? 'a MotionNet one: use it as motionnet.pretrained' : 'written by another version or tool'})`, { path: checkpointPath });
    }
    if (meta.config.backend !== 'auto') await useBackend(meta.config);
    const recognizer = createRecognizer(meta.recognizer, meta.config.train.seed);
    assignWeights(recognizer.weights, checkpoint.weights, checkpointPath);
    const ready = options.fold === true ? (await foldRecognizer(recognizer)).recognizer : recognizer;
    return { recognizer: ready, meta, epoch: checkpoint.state.epoch, step: checkpoint.state.step };
  } finally {
    disposeCheckpoint(checkpoint);
  }
}

/** Class probabilities of one video or frame folder with a trained model: the test pipeline's views, averaged. */
export async function predictVideo(
  recognizer: Recognizer,
  meta: ClassifierMeta,
  input: string,
  options: { cacheDir: string; kind: 'video' | 'frames'; quiet?: boolean },
): Promise<Float32Array> {
  const resolved = path.resolve(input);
  // cached under the video's full path (its folder in the cache also records its size and time): two videos of one name never share flows
  const id = `predict/${createHash('sha1').update(resolved).digest('hex').slice(0, 16)}/${path.basename(input)}`;
  const sample: Sample = { kind: options.kind, path: resolved, id, label: 0, frameCount: 0 };
  // a new video has no precomputed flows: TV-L1 into the cache, at the resolution the model was trained with
  const config: TrainConfig = { ...meta.config, data: { ...meta.config.data, flowDir: undefined, workers: 0 } };
  const dataset = { samples: [sample], labels: meta.labels };
  // trained on extract-flow's flows: quantised to 8-bit JPEGs with the same bound, as training saw them
  const quantise = meta.config.data.flowDir != null ? meta.config.data.flowBound : undefined;
  // only the pairs the test views need, not every pair of the video
  const flows = await prepareFlows(config, [dataset], { cacheRoot: options.cacheDir, quiet: options.quiet, onlyFor: clipPipeline(config, 'test'), quantise });
  const { videos } = await scoreVideos(recognizer, testBatches(config, dataset, flows)(0, 0));
  return videos[0].probabilities;
}

/**
 * Class probabilities of one video file or frame folder with a checkpoint, as
 * `trajectorynet predict` gives them: TV-L1 flows are cached in
 * `.trajectorynet-cache` beside the run folder unless `cacheDir` says otherwise
 * (`quiet: false`: a progress bar on stderr while they are computed).
 */
export async function predictFromCheckpoint(checkpoint: string, input: string, options: { cacheDir?: string; quiet?: boolean } = {}): Promise<{ labels: string[]; probabilities: Float32Array }> {
  const info = await stat(input).catch(() => null);
  if (info == null) throw new TrainingError('BAD_DATA', 'no such video or frame folder', { path: input });
  const { recognizer, meta } = await loadTrainedModel(checkpoint, { fold: true });
  try {
    const cacheDir = options.cacheDir ?? cacheBesideRun(path.dirname(checkpoint));
    const probabilities = await predictVideo(recognizer, meta, input, { cacheDir, kind: info.isDirectory() ? 'frames' : 'video', quiet: options.quiet ?? true });
    return { labels: meta.labels, probabilities };
  } finally {
    recognizer.dispose();
  }
}

/** The TV-L1 flow cache a run uses unless told otherwise: `.trajectorynet-cache` beside the run folder. */
export function cacheBesideRun(runDir: string): string {
  return path.join(path.dirname(path.resolve(runDir)), '.trajectorynet-cache');
}
