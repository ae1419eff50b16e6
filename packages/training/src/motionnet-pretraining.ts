/**
 * MotionNet pretraining without flow labels, through the one training loop:
 * MotionNet's unsupervised loss is the objective, the data are stacks of
 * consecutive frames at a random time and a random crop of a video, frame
 * folder or any video-io dataset, loaded by the one clip pipeline (on worker
 * threads when asked). A "round" of `checkpointEvery` steps plays the part of
 * an epoch: a checkpoint at the end of each, from which a stopped run resumes
 * exactly, and an optional validation (e.g. EPE on flows with ground truth).
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { seededRandom } from '@trajectorynet/core';
import { createMotionNet, type LossParts, supervisedLoss, unsupervisedLoss } from '@trajectorynet/motionnet';
import { assignWeights, loadCheckpoint, withSeededRandom } from '@trajectorynet/runtime';
import { type ClipPipeline, countFrames, createLoader, type Dataset, detectFrameTemplate, type Sample } from '@trajectorynet/video-io';
import { type ProceduralSettings, type ProceduralSource, proceduralStacks } from './data/procedural.js';
import { TrainingError } from './errors.js';
import { type Objective, type RunState, trainLoop, type Validation } from './loop/loop.js';
import { LATEST, runFiles, type StepRecord } from './loop/run-files.js';
import { createRunMonitor } from './monitor/run-monitor.js';
import { startRunFolder } from './monitor/run-start.js';

/** A folder of videos (searched recursively), one video, one frame folder, the samples of any video-io dataset, or the procedural generator. */
export type MotionNetSource = string | Dataset | ProceduralSource;

export interface PretrainMotionNetOptions {
  /** The run folder: latest.ckpt (resumed from when it exists and `resume` is set), metrics.jsonl. */
  outDir: string;
  /** Optimisation steps in all (rounded up to whole rounds of `checkpointEvery`). */
  steps: number;
  /** Consecutive frames per stack (n + 1 in, n flows out): 2 for a pairwise network, MOTIONNET_FRAMES (17) for the joint presets' MotionNet-(17). Default 2. */
  frames?: number;
  /** Network input size, multiples of 32. Default 128 x 128. */
  height?: number;
  width?: number;
  /** Channel multiplier of the original widths (1 = 64 ... 1024). Default 1. */
  widthMultiplier?: number;
  /** Take every `frameStep`-th frame of the video. Default 1. */
  frameStep?: number;
  /** Stacks per step. Default 4. */
  batchSize?: number;
  /** Adam learning rate (Hidden Two-Stream: 3.2e-5). */
  lr?: number;
  /** Multiply the rate by `factor` every `every` steps, or at each step of `at`. Default: constant. */
  lrDecay?: LrDecay;
  /**
   * 'none' (default): MotionNet's unsupervised loss, no labels. 'flow': the
   * multi-scale end-point error against the true flow from the first step
   * (procedural sources only: a supervised sanity check or pretraining, see
   * the motionnet README).
   */
  supervision?: 'none' | 'flow';
  /**
   * Procedural sources: the unsupervised loss up to this step, the
   * end-point error against the generator's true flow from it on (the
   * recipe's last phase). A multiple of `checkpointEvery`, so that each round
   * has one loss; `steps` itself (none in this run) lets a shorter run be
   * resumed into the longer one. Default: never.
   */
  supervisedFrom?: number;
  /** Seeds the initial weights and every draw of data. Default 1. */
  seed?: number;
  /** Steps per round (checkpoint, log line, validation). Default 100. */
  checkpointEvery?: number;
  /** Stacks decoded ahead of the step, and loader threads. */
  prefetch?: number;
  workers?: number;
  resume?: boolean;
  overwrite?: boolean;
  /** A score for the current model after each round, higher is better (e.g. minus the EPE on a validation set). */
  validate?: (model: tf.LayersModel) => Promise<Validation>;
  onStep?: (record: StepRecord & { steps: number }) => void;
  /** Where the lines of run.log are also shown (default: nowhere). */
  log?: (message: string) => void;
  /** What started the run (e.g. the command line), the first line of run.log. */
  command?: string;
}

/** Multiply the learning rate by `factor` every `every` steps, or at each of the steps `at`. */
export type LrDecay = { every: number; factor: number } | { at: number[]; factor: number };

/** What a MotionNet checkpoint carries besides its tensors. */
export interface MotionNetMeta {
  kind: 'motionnet';
  settings: {
    frames: number;
    height: number;
    width: number;
    widthMultiplier: number;
    frameStep: number;
    batchSize: number;
    lr: number;
    seed: number;
    supervision?: 'none' | 'flow';
    supervisedFrom?: number;
    /** Steps per round (checkpoint), which a resumed run must keep (absent in checkpoints of earlier versions). */
    stepsPerRound?: number;
  };
}

export interface PretrainMotionNetResult {
  model: tf.LayersModel;
  state: RunState<MotionNetMeta>;
}

const VIDEO_EXTENSIONS = /\.(mp4|avi|webm|mkv|mov|m4v)$/i;

/**
 * The documented MotionNet pretraining recipe (`trajectorynet pretrain-motionnet
 * procedural` with no other option): a pairwise network on the procedural
 * generator, 3500 steps of MotionNet's own unsupervised loss, then 1500 on the
 * generator's true flow (the end-point error), which sharpens the flow at
 * motion boundaries and cuts its spill onto still backgrounds; sized for under an
 * hour of a 2-core CPU with the wasm backend and libtorch kernels. Without
 * `--textures` the generator's layers carry dead-leaves textures half of the
 * time (video-io's default), in place of real crops. Its numbers are in the
 * motionnet README and the benchmark's motionnet suite.
 */
export const PROCEDURAL_PRETRAINING = {
  /** The generator's settings other than size, frames and textures: its defaults. */
  generator: {} as ProceduralSettings,
  /**
   * The settings of the supervised phase: the background and foreground move
   * twice as far per frame (at most 6% and 25% of the image side; defaults
   * 3% and 12%), since FlyingChairs-like scenes at the inference scale move
   * farther than the unsupervised phase's default draws (chosen in a small
   * search, see the motionnet README).
   */
  supervisedGenerator: {
    background: { translation: 0.06, rotation: 0.02, zoom: 0.02 },
    foreground: { translation: 0.25, rotation: 0.06, zoom: 0.04 },
  } satisfies ProceduralSettings,
  /** Frames per video (and frame folder) decoded for textures. */
  texturesPerVideo: 8,
  options: {
    steps: 5000,
    frames: 2,
    height: 128,
    width: 128,
    widthMultiplier: 0.25,
    batchSize: 4,
    lr: 1e-3,
    // halved during the unsupervised phase, again for the supervised one, then twice within it (annealing)
    lrDecay: { at: [2400, 3500, 4250, 4750], factor: 0.5 },
    supervisedFrom: 3500,
    seed: 1,
    checkpointEvery: 100,
  } satisfies Omit<PretrainMotionNetOptions, 'outDir'>,
  /**
   * predictFlow's `scale` (the `flow` command's default): 512x384 frames run at
   * 192x144, so that motions of tens of pixels fall in the range the network
   * was trained on. Chosen on tvl1-flow's validation scenes (512x384 and
   * 1024x436, 2-100 px) among 0.5, 0.375 and 0.25: 0.25 was best on large
   * motions and clearly worse on small ones; 0.375 gives up little on either
   * (motionnet README).
   */
  inferenceScale: 0.375,
};

/** The samples of a source; a folder gives its videos and frame folders (recursively). */
export async function sourceSamples(source: string | Dataset): Promise<Sample[]> {
  if (typeof source !== 'string') {
    if (source.samples.length === 0) throw new TrainingError('BAD_DATA', 'the dataset has no samples');
    return source.samples;
  }
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(source);
  } catch {
    throw new TrainingError('BAD_DATA', 'no such file or folder', { path: source });
  }
  if (info.isFile()) return [{ path: source, id: path.basename(source), label: 0, frameCount: 0, kind: 'video' }];
  const samples: Sample[] = [];
  const visit = async (dir: string) => {
    if (detectFrameTemplate(dir) != null) {
      samples.push({ path: dir, id: path.relative(source, dir) || path.basename(dir), label: 0, frameCount: 0, kind: 'frames' });
      return;
    }
    for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await visit(full);
      else if (VIDEO_EXTENSIONS.test(entry.name)) samples.push({ path: full, id: path.relative(source, full), label: 0, frameCount: 0, kind: 'video' });
    }
  };
  await visit(source);
  if (samples.length === 0) throw new TrainingError('BAD_DATA', `no videos (${VIDEO_EXTENSIONS.source}) or frame folders found`, { path: source });
  return samples;
}

/**
 * The samples with at least one frame pair (MotionNet learns from pairs):
 * one without is left out, named in the log; none left is an error naming
 * the first, as the other commands say it.
 */
async function withFramePairs(samples: Sample[], log?: (message: string) => void): Promise<Sample[]> {
  const counts: number[] = [];
  // a few probes at a time: a folder of many videos must not start thousands of ffprobes at once
  for (let i = 0; i < samples.length; i += 8) {
    counts.push(...(await Promise.all(samples.slice(i, i + 8).map((x) => (x.kind === 'synthetic' ? Number.POSITIVE_INFINITY : x.frameCount > 0 ? x.frameCount : countFrames(x.path))))));
  }
  const short = samples.filter((_, i) => counts[i] < 2);
  if (short.length === samples.length) {
    const n = counts[0];
    throw new TrainingError('BAD_DATA', `too few frames: ${samples.length === 1 ? 'it has' : `every video has fewer than 2; the first has`} ${n} frame${n === 1 ? '' : 's'}, MotionNet needs at least 2`, { path: samples[0].path });
  }
  if (short.length > 0) log?.(`left out ${short.length} video${short.length === 1 ? '' : 's'} with fewer than 2 frames, e.g. ${short[0].path}`);
  return samples.filter((_, i) => counts[i] >= 2);
}

function settingsOf(options: PretrainMotionNetOptions): MotionNetMeta['settings'] {
  const s: MotionNetMeta['settings'] = {
    frames: options.frames ?? 2,
    height: options.height ?? 128,
    width: options.width ?? 128,
    widthMultiplier: options.widthMultiplier ?? 1,
    frameStep: options.frameStep ?? 1,
    batchSize: options.batchSize ?? 4,
    lr: options.lr ?? 3.2e-5,
    seed: options.seed ?? 1,
    supervision: options.supervision ?? 'none',
  };
  const bad = (key: string, why: string) => new TrainingError('BAD_CONFIG', why, { path: key });
  const positiveInt = { steps: options.steps, frames: s.frames - 1, frameStep: s.frameStep, batchSize: s.batchSize, checkpointEvery: options.checkpointEvery ?? 1, workers: (options.workers ?? 0) + 1 };
  for (const [key, value] of Object.entries(positiveInt)) if (!Number.isInteger(value) || value < 1) throw bad(key, `must be a positive integer${key === 'frames' ? ' above 1' : ''}, got ${(options as unknown as Record<string, unknown>)[key]}`);
  if (!(s.lr > 0)) throw bad('lr', `must be positive, got ${s.lr}`);
  for (const key of ['height', 'width'] as const) if (!(Number.isInteger(s[key]) && s[key] > 0 && s[key] % 32 === 0)) throw bad(key, `must be a positive multiple of 32 (MotionNet's five poolings), got ${s[key]}`);
  const decay = options.lrDecay;
  if (decay != null) {
    const steps = 'at' in decay ? decay.at : [decay.every];
    if (!(steps.length > 0 && steps.every((x) => Number.isInteger(x) && x > 0) && decay.factor > 0)) throw bad('lrDecay', `needs a positive integer 'every' (or positive integer steps 'at') and a positive 'factor', got ${JSON.stringify(decay)}`);
  }
  if (options.supervisedFrom != null) {
    const from = options.supervisedFrom;
    const round = Math.min(options.checkpointEvery ?? 100, options.steps);
    if (s.supervision === 'flow') throw bad('supervisedFrom', "supervision 'flow' is supervised from the first step; give one of the two");
    if (!(Number.isInteger(from) && from >= 0 && from <= options.steps && from % round === 0)) throw bad('supervisedFrom', `must be a step of the run (0..${options.steps}) and a multiple of checkpointEvery (${round}), got ${from}`);
    s.supervisedFrom = from;
  }
  return s;
}

/** The first step trained on the true flow (Infinity: none). */
function firstSupervisedStep(s: MotionNetMeta['settings']): number {
  return s.supervision === 'flow' ? 0 : (s.supervisedFrom ?? Number.POSITIVE_INFINITY);
}

/** The stacks of round `round` (skipping `skip` micro-batches): every draw from (seed, position). */
function stackBatches(samples: Sample[], s: MotionNetMeta['settings'], stepsPerRound: number, options: PretrainMotionNetOptions) {
  const pipeline: ClipPipeline = {
    sampling: { kind: 'dense', clipLength: s.frames, interval: s.frameStep },
    mode: 'train',
    // the largest square at a random place, then the network's size; decoding at that shorter side is enough
    crop: 'random',
    resizeShorter: samples.every((x) => x.kind !== 'synthetic') ? Math.min(s.height, s.width) : undefined,
    size: [s.width, s.height],
    flip: false,
    // pixels in 0..1, as MotionNet takes them
    mean: [0, 0, 0],
    std: [1, 1, 1],
  };
  if (s.height !== s.width && samples.some((x) => x.kind !== 'synthetic')) pipeline.crop = 'multiscale';
  return async function* (round: number, skip: number): AsyncIterable<StackTensors> {
    // which sample each stack of the round comes from
    const pick = seededRandom(s.seed, 'pick', round);
    const drawn = Array.from({ length: stepsPerRound * s.batchSize }, () => samples[pick.int(samples.length)]);
    const loader = createLoader({ samples: drawn }, pipeline, {
      batchSize: s.batchSize,
      seed: s.seed,
      epoch: round,
      startAt: skip * s.batchSize,
      workers: options.workers ?? 0,
      prefetch: options.prefetch ?? 2 * s.batchSize,
      dropLast: true,
    });
    for await (const batch of loader) yield { clip: tf.tensor5d(batch.data, batch.shape as [number, number, number, number, number]) };
  };
}

function isProcedural(source: MotionNetSource): source is ProceduralSource {
  return typeof source !== 'string' && 'kind' in source && source.kind === 'procedural';
}

/** The stacks of round `round` from the procedural generator (rendered on this thread: cheap next to a training step), with their true flows in the supervised rounds. */
function proceduralBatches(source: ProceduralSource, s: MotionNetMeta['settings'], stepsPerRound: number) {
  return async function* (round: number, skip: number): AsyncIterable<StackTensors> {
    const withFlows = round * stepsPerRound >= firstSupervisedStep(s);
    const generator = withFlows && source.supervisedOptions != null ? { ...source, options: source.supervisedOptions } : source;
    for (const batch of proceduralStacks(generator, s, round, skip * s.batchSize, stepsPerRound - skip)) {
      yield { clip: tf.tensor5d(batch.data, batch.shape), flows: withFlows ? tf.tensor5d(batch.flows, batch.flowShape) : undefined };
    }
  };
}

/** A batch of stacks, with their true flows when the source knows them and the run uses them. */
interface StackTensors {
  clip: tf.Tensor5D;
  flows?: tf.Tensor5D;
}

/** MotionNet's unsupervised loss, or the supervised one for a batch that carries its true flows. */
function pretrainingObjective(model: tf.LayersModel): Objective<StackTensors> {
  return {
    compute({ clip, flows }, training): { loss: tf.Scalar; sums: Record<string, tf.Scalar> } {
      const n = clip.shape[0];
      // the loss terms are batch means: times the batch size, they sum over stacks like the loop's other metrics
      const sum = (t: tf.Scalar) => tf.mul(t, n) as tf.Scalar;
      if (flows != null) {
        const { total, epe } = supervisedLoss(model, clip, flows, training);
        return { loss: total, sums: { epe: sum(epe) } };
      }
      const parts: LossParts = unsupervisedLoss(model, clip, training);
      return { loss: parts.total, sums: { photometric: sum(parts.photometric), ssim: sum(parts.ssim), smoothness: sum(parts.smoothness) } };
    },
    count: ({ clip }) => clip.shape[0],
  };
}

/** Pretrains MotionNet on `source` without labels; see PretrainMotionNetOptions. */
export async function pretrainMotionNet(source: MotionNetSource, options: PretrainMotionNetOptions): Promise<PretrainMotionNetResult> {
  const s = settingsOf(options);
  const stepsPerRound = Math.min(options.checkpointEvery ?? 100, options.steps);
  const rounds = Math.ceil(options.steps / stepsPerRound);
  if (Number.isFinite(firstSupervisedStep(s)) && !isProcedural(source)) {
    throw new TrainingError('BAD_CONFIG', 'training on the true flow needs a source that knows it: the procedural generator', { path: s.supervision === 'flow' ? 'supervision' : 'supervisedFrom' });
  }
  const batches = isProcedural(source) ? proceduralBatches(source, s, stepsPerRound) : stackBatches(await withFramePairs(await sourceSamples(source), options.log), s, stepsPerRound, options);
  // config.json and run.log before the first step, curves.svg redrawn each round (as a classification run)
  const folder = await startRunFolder(options.outDir, { config: { source: describeSource(source), steps: rounds * stepsPerRound, ...s }, command: options.command, resume: options.resume, overwrite: options.overwrite, echo: options.log });
  const runLog = folder.log;
  runLog.info(`backend ${tf.getBackend()}, seed ${s.seed}, run folder ${options.outDir}`);
  const monitor = createRunMonitor({ outDir: options.outDir, files: runFiles(options.outDir), log: runLog, title: 'MotionNet', epochs: rounds, epochName: 'round', quiet: true });
  const model = withSeededRandom([s.seed, 'motionnet'], () => createMotionNet(s));
  const meta: MotionNetMeta = { kind: 'motionnet', settings: { ...s, stepsPerRound } };
  try {
    const state = await trainLoop<StackTensors, MotionNetMeta>({
      settings: {
        epochs: rounds,
        batchesPerEpoch: stepsPerRound,
        accumulate: 1,
        seed: s.seed,
        optimizer: { name: 'adam', lr: s.lr, momentum: 0, nesterov: false, weightDecay: 0, clipNorm: 0 },
        schedule:
          options.lrDecay != null
            ? { kind: 'step', warmupSteps: 0, gamma: options.lrDecay.factor, milestones: decayMilestones(options.lrDecay, rounds * stepsPerRound), minRatio: 0 }
            : { kind: 'constant', warmupSteps: 0, gamma: 1, milestones: [0.5], minRatio: 0 },
        checkpointEvery: 0,
        validateEvery: 1,
        logEvery: 1,
      },
      model: { weights: model.weights, trainableVariables: () => model.trainableWeights.map((w) => w.read() as tf.Variable) },
      objective: pretrainingObjective(model),
      batches: (round, skip) => disposingEach(batches(round, skip)),
      validate: options.validate != null ? () => (options.validate as NonNullable<PretrainMotionNetOptions['validate']>)(model) : undefined,
      meta,
      checkResume: (saved, file) => {
        const a = saved.settings;
        if (saved.kind !== 'motionnet') {
          const what = (saved as { kind?: string }).kind === 'classifier' ? 'a classifier checkpoint (written by `trajectorynet train`)' : 'a checkpoint of another kind';
          throw new TrainingError('BAD_CHECKPOINT', `not a pretrain-motionnet run: it holds ${what}; use another folder`, { path: file });
        }
        if (a.frames !== s.frames || a.height !== s.height || a.width !== s.width || a.widthMultiplier !== s.widthMultiplier) {
          throw new TrainingError('BAD_CHECKPOINT', `the checkpoint is of another run (${JSON.stringify(a)}); use another folder or the same settings`, { path: file });
        }
        // rounds of another length would put the saved round count at or past the new run's end: nothing would train
        if (a.stepsPerRound != null && a.stepsPerRound !== stepsPerRound) {
          throw new TrainingError('BAD_CONFIG', `this run went in rounds of ${a.stepsPerRound} steps (a checkpoint each), this one would go in rounds of ${stepsPerRound}: to extend it, give checkpointEvery ${a.stepsPerRound} (--checkpoint-every ${a.stepsPerRound})`, { path: file });
        }
      },
      outDir: options.outDir,
      resume: options.resume,
      overwrite: options.overwrite,
      onStart: async (start) => {
        await folder.saveConfig(); // a resumed run's, once its checkpoint is accepted
        await monitor.onStart(start);
      },
      onStep: async (record) => {
        await monitor.onStep(record);
        options.onStep?.({ ...record, steps: rounds * stepsPerRound });
      },
      onEpoch: (record) => monitor.onEpoch(record),
    });
    return { model, state };
  } catch (error) {
    model.dispose();
    throw error;
  }
}

/** The source as config.json records it. */
function describeSource(source: MotionNetSource): string {
  if (typeof source === 'string') return source;
  return isProcedural(source) ? 'procedural' : `a dataset of ${source.samples.length} samples`;
}

/** Milestones (fractions of the run) at every `every` steps or at the steps `at`, for the 'step' schedule. */
function decayMilestones(decay: LrDecay, total: number): number[] {
  const out: number[] = [];
  if ('at' in decay) for (const step of decay.at) step < total && out.push(step / total);
  else for (let step = decay.every; step < total; step += decay.every) out.push(step / total);
  return out.length > 0 ? out : [0.999999];
}

/** Disposes each batch's tensors once the loop has moved past it. */
async function* disposingEach(batches: AsyncIterable<StackTensors>): AsyncIterable<StackTensors> {
  let previous: StackTensors | null = null;
  const dispose = (b: StackTensors | null) => tf.dispose(b == null ? [] : [b.clip, ...(b.flows != null ? [b.flows] : [])]);
  try {
    for await (const batch of batches) {
      dispose(previous);
      previous = batch;
      yield batch;
    }
  } finally {
    dispose(previous);
  }
}

/** A MotionNet from a pretraining checkpoint (latest.ckpt of its folder, or the file). */
export async function loadMotionNet(file: string): Promise<{ model: tf.LayersModel; meta: MotionNetMeta }> {
  const target = file.endsWith('.ckpt') ? file : path.join(file, LATEST);
  const saved = await loadCheckpoint<RunState<MotionNetMeta>>(target);
  try {
    const meta = saved.state.meta;
    if (meta?.kind !== 'motionnet') throw new TrainingError('BAD_CHECKPOINT', 'not a MotionNet checkpoint (write one with `trajectorynet pretrain-motionnet`)', { path: target });
    const model = createMotionNet(meta.settings);
    assignWeights(model.weights, saved.weights, target);
    return { model, meta };
  } finally {
    tf.dispose([...saved.weights, ...saved.optimizer].map((t) => t.tensor));
  }
}
