/**
 * A training run from a resolved config: datasets, flows, model, loader,
 * loop, validation, and the files it leaves in `outDir` (checkpoints,
 * metrics.jsonl, curves.svg, config.json, eval files of the best model).
 */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { assignWeights, type BackendName, CheckpointError, initBackend, loadCheckpoint } from '@trajectorynet/runtime';
import { InflationError, inflateResNet } from '@trajectorynet/resnet-s3d';
import { createFlowPool, type FlowPool } from '@trajectorynet/tvl1-flow';
import { createLoader, type Dataset, seededRandom, shuffledOrder, writeFileAtomic } from '@trajectorynet/video-io';
import type { TrainConfig } from './config/schema.js';
import { loadView } from './data/clips.js';
import { type AnySample, loadDataset } from './data/datasets.js';
import { TrainerError } from './errors.js';
import { type EvaluationReport, evaluate } from './eval/evaluate.js';
import { createClassifier, needsFlows } from './model/adapter.js';
import { createProgress, type Progress } from './progress.js';
import { trainingCurvesSvg, writeEvaluation } from './report/run-report.js';
import type { ClassifierAdapter, HostBatch } from './train/batch.js';
import { BEST, type RunState, train } from './train/loop.js';

export interface RunOptions {
  outDir: string;
  resume?: boolean;
  /** Where to cache TV-L1 flows (default: <outDir>/../.trajectorynet-cache/flow). */
  cacheDir?: string;
  log?: (message: string) => void;
  /** Stop after this many steps in this process (tests of resume). */
  maxStepsThisRun?: number;
  quiet?: boolean;
}

export interface RunSummary {
  state: RunState;
  best: EvaluationReport | null;
  trainClipsPerSecond: number;
  seconds: number;
  outDir: string;
}

export async function useBackend(config: TrainConfig): Promise<void> {
  await initBackend({ prefer: config.backend === 'auto' ? undefined : (config.backend as BackendName), log: null });
}

const THREE_CROPS = ['three-left', 'three-centre', 'three-right'] as const;

/** Batches of one pass over `dataset`: the order is fixed by (seed, epoch), augmentation by (seed, epoch, sample). */
export function datasetBatches(
  dataset: Dataset<AnySample>,
  config: TrainConfig,
  options: { mode: 'train' | 'test'; flowPool?: FlowPool; cacheDir?: string; clips?: number; crops?: 1 | 3 },
): (epoch: number, skipBatches: number) => AsyncIterable<HostBatch> {
  const { frames, size } = config.data;
  // test time: clips x crops views per video, averaged by the evaluator
  const clips = options.clips ?? 1;
  const crops = options.crops ?? 1;
  const views = clips * crops;
  return (epoch, skipBatches) => {
    const n = dataset.samples.length * views;
    const order = options.mode === 'train' ? shuffledOrder(n, config.train.seed * 7919 + epoch) : Array.from({ length: n }, (_, i) => i);
    const batchSize = config.train.batchSize;
    const loader = createLoader(
      n,
      async (index) => {
        const sample = dataset.samples[Math.floor(index / views)];
        const random = seededRandom((config.train.seed * 1_000_003 + epoch * 7_919 + index) >>> 0);
        const v = index % views;
        const view = await loadView(sample, {
          frames,
          size,
          mode: options.mode,
          random,
          flowPool: options.flowPool,
          cacheDir: options.cacheDir,
          testPosition: (Math.floor(v / crops) + 0.5) / clips,
          crop: crops === 3 ? THREE_CROPS[v % 3] : undefined,
        });
        return { data: view.clip, shape: [frames, size, size, 3], label: sample.label, extra: view.flows };
      },
      { batchSize, order: order.slice(skipBatches * batchSize), dropLast: options.mode === 'train', prefetch: Math.max(batchSize, config.data.prefetch) },
    );
    return (async function* () {
      for await (const batch of loader) {
        yield {
          clips: batch.data,
          clipShape: batch.shape as HostBatch['clipShape'],
          labels: batch.labels,
          flows: batch.extra,
          sampleIndex: Int32Array.from(batch.indices, (i) => Math.floor(i / views)),
        };
      }
    })();
  };
}

/** MotionNet weights from a `pretrain-motionnet` checkpoint into the joint model's MotionNet. */
async function loadPretrainedMotionNet(model: ClassifierAdapter, file: string, log: (m: string) => void): Promise<void> {
  if (model.flowNetwork == null) {
    model.dispose();
    throw new TrainerError('BAD_CONFIG', 'motionnet.pretrained is set but the model has no MotionNet (use a *-motionnet preset)');
  }
  try {
    const saved = await loadCheckpoint<{ kind?: string }>(file);
    if (saved.state.kind !== 'motionnet') throw new CheckpointError(file, 'not a MotionNet checkpoint (write one with `trajectorynet pretrain-motionnet`)');
    assignWeights(model.flowNetwork.weights, saved.weights, file);
    tf.dispose([...saved.weights, ...saved.optimizer].map((t) => t.tensor));
    log(`MotionNet weights from ${file}`);
  } catch (error) {
    model.dispose();
    if (error instanceof CheckpointError) throw new TrainerError('BAD_CONFIG', `motionnet.pretrained: ${error.message}`, { cause: error });
    throw error;
  }
}

export async function runTraining(config: TrainConfig, options: RunOptions): Promise<RunSummary> {
  const started = Date.now();
  const log = options.log ?? ((m: string) => console.error(m));
  if (config.data.flowDir != null) throw new TrainerError('BAD_CONFIG', "data.flowDir (precomputed flow folders) is not read yet; leave it out and flows are computed with TV-L1 and cached");
  await useBackend(config);
  const [trainSet, valSet] = await Promise.all([loadDataset(config.data, 'train', config.train.seed), loadDataset(config.data, 'val', config.train.seed)]);
  if (trainSet.labels.join('\n') !== valSet.labels.join('\n')) throw new TrainerError('BAD_DATA', 'the train and val sets have different label maps');
  const flowPool = needsFlows(config) ? createFlowPool() : undefined;
  const cacheDir = options.cacheDir ?? path.join(path.dirname(path.resolve(options.outDir)), '.trajectorynet-cache', 'flow');
  const model = createClassifier(config, trainSet.labels.length);
  if (config.model.pretrained != null && !options.resume && model.network != null) {
    // ImageNet 2D weights into the spatial convs and BatchNorms (the paper's initialisation)
    try {
      const report = await inflateResNet(model.network, config.model.pretrained);
      log(`inflated ${report.copied.length} layers from ${config.model.pretrained}`);
    } catch (error) {
      model.dispose();
      if (error instanceof InflationError) throw new TrainerError('BAD_CONFIG', `model.pretrained: ${error.message}`, { cause: error });
      throw error;
    }
  }
  if (config.motionnet.pretrained != null && !options.resume) await loadPretrainedMotionNet(model, config.motionnet.pretrained, log);
  const batchesPerEpoch = Math.floor(trainSet.samples.length / config.train.batchSize);
  const trainBatches = datasetBatches(trainSet, config, { mode: 'train', flowPool, cacheDir });
  const valBatches = datasetBatches(valSet, config, { mode: 'test', flowPool, cacheDir, clips: config.eval.clips, crops: config.eval.crops });
  let progress: Progress | null = null;
  let clipsSeen = 0;
  let trainSeconds = 0;
  let epochStarted = Date.now();
  try {
    await writeFileAtomic(path.join(options.outDir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
    const state = await train({
      config,
      labels: trainSet.labels,
      model,
      batches: trainBatches,
      batchesPerEpoch,
      outDir: options.outDir,
      resume: options.resume,
      maxStepsThisRun: options.maxStepsThisRun,
      validate: () => evaluate(model, valBatches(0, 0), valSet.labels),
      callbacks: {
        onStep: (info) => {
          if (progress == null) {
            epochStarted = Date.now();
            progress = options.quiet ? null : createProgress({ label: `epoch ${info.epoch + 1}/${config.train.epochs}`, total: info.stepsPerEpoch, unit: 'steps' });
          }
          clipsSeen += config.train.batchSize * config.train.accumulate;
          progress?.update(info.stepInEpoch, { loss: info.loss, lr: info.lr, 'clips/s': info.clipsPerSecond });
        },
        onEpoch: (record) => {
          progress?.stop();
          progress = null;
          trainSeconds += (Date.now() - epochStarted) / 1000;
          const val = record.val != null ? `, val top-1 ${(record.val.top1 * 100).toFixed(1)}%, top-5 ${(record.val.top5 * 100).toFixed(1)}%` : '';
          log(`epoch ${record.epoch}: train loss ${record.trainLoss.toFixed(3)}, train top-1 ${(record.trainTop1 * 100).toFixed(1)}%${val}`);
        },
      },
    });
    await writeFileAtomic(path.join(options.outDir, 'curves.svg'), trainingCurvesSvg(state.history, config.preset ?? 'training'));
    let best: EvaluationReport | null = null;
    if (state.epoch >= config.train.epochs && state.bestTop1 >= 0) {
      // final report of the best checkpoint
      const checkpoint = await loadCheckpoint<RunState>(path.join(options.outDir, BEST));
      assignWeights(model.weights, checkpoint.weights, path.join(options.outDir, BEST));
      tf.dispose(checkpoint.weights.map((w) => w.tensor).concat(checkpoint.optimizer.map((w) => w.tensor)));
      best = await evaluate(model, valBatches(0, 0), valSet.labels);
      await writeEvaluation(options.outDir, best, valSet.labels, { checkpoint: path.join(options.outDir, BEST), split: 'val' });
    }
    return { state, best, trainClipsPerSecond: trainSeconds > 0 ? clipsSeen / trainSeconds : 0, seconds: (Date.now() - started) / 1000, outDir: options.outDir };
  } finally {
    (progress as Progress | null)?.stop();
    await flowPool?.close();
    model.dispose();
  }
}

/** Rebuilds the model of a checkpoint, with its weights. */
export async function loadTrainedModel(checkpointPath: string): Promise<{ model: ClassifierAdapter; state: RunState }> {
  // a backend before any tensor exists (TRAJECTORYNET_BACKEND or the best available)
  await initBackend({ log: null });
  const checkpoint = await loadCheckpoint<RunState>(checkpointPath);
  const { config, labels } = checkpoint.state;
  if (config.backend !== 'auto') await useBackend(config);
  const model = createClassifier(config, labels.length);
  assignWeights(model.weights, checkpoint.weights, checkpointPath);
  tf.dispose(checkpoint.weights.map((w) => w.tensor).concat(checkpoint.optimizer.map((w) => w.tensor)));
  return { model, state: checkpoint.state };
}

