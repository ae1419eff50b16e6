/**
 * Where a run's trajectories come from, and making sure the flows exist
 * before training reads them.
 *
 * - precomputed: data.flowDir, the folders `extract-flow` / flow-queue wrote;
 *   nothing is solved.
 * - tvl1 (no flowDir): the TV-L1 flows of every video's consecutive frames,
 *   at the resolution the clips are decoded at, solved once into a cache
 *   folder keyed by the TV-L1 settings and that resolution; later epochs and
 *   later runs read them (crops, flips and sampled frames are applied to the
 *   flows when clips are loaded, so any view of a video uses the same files).
 * - motionnet-frozen: as tvl1, with a pretrained pairwise MotionNet
 *   (motionnet.pretrained) solving the pairs; the cache is keyed by its
 *   checkpoint's contents.
 * - groundtruth: the synthetic generator's true motion.
 * - motionnet / none: no flows are loaded.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Flow, Image } from '@trajectorynet/core';
import { predictFlows } from '@trajectorynet/motionnet';
import { createProgress } from '@trajectorynet/core/node';
import { createFlowPool, extractFlow, FLOW_RECORD, type FlowPool, readFlowRecord, resolveOptions, type VideoJob } from '@trajectorynet/tvl1-flow';
import {
  type ClipPipeline,
  clipPairs,
  countFrames,
  type Dataset,
  DEFAULT_TEMPLATE,
  detectFrameTemplate,
  type FlowSpec,
  flowFolderOf,
  frameFileName,
  pairFlows,
  probeVideo,
  readImage,
  renderSyntheticClip,
  type Sample,
  type Size,
  shorterSide,
  testClipIndices,
  writeFlo,
} from '@trajectorynet/video-io';
import type { TrainConfig } from '../config/schema.js';
import { TrainingError } from '../errors.js';
import { LATEST } from '../loop/run-files.js';
import { loadMotionNet } from '../motionnet-pretraining.js';
import { decodeShorterSide } from './pipelines.js';

export type FlowSource = 'precomputed' | 'tvl1' | 'motionnet-frozen' | 'groundtruth' | 'motionnet' | 'none';

export interface RunFlows {
  source: FlowSource;
  /** What the clip pipeline reads (undefined: no flows with the clips). */
  spec?: FlowSpec;
  /** TV-L1 pairs solved to prepare them (0 when every flow was already there). */
  solves: number;
}

export function flowSourceOf(config: TrainConfig): FlowSource {
  if (config.model.variant !== 'trajectorynet') return 'none';
  if (config.model.trajectorySource === 'motionnet') return 'motionnet';
  if (config.model.trajectorySource === 'groundtruth') return 'groundtruth';
  if (config.model.trajectorySource === 'motionnet-frozen') return 'motionnet-frozen';
  return config.data.flowDir != null ? 'precomputed' : 'tvl1';
}

/**
 * What else decides a synthetic clip's pixels: the dataset seed (clips of
 * every seed share their ids, train/00000 ...) and the regime's motion, look
 * and render scale, the latter only where they differ from the defaults.
 */
function syntheticKey(config: TrainConfig): Record<string, unknown> {
  const { data } = config;
  if (data.kind !== 'synthetic') return {};
  const key: Record<string, unknown> = { seed: config.train.seed };
  if (data.syntheticSpeed.join() !== '6,10') key.speed = data.syntheticSpeed;
  if (data.syntheticTurn.join() !== '25,35') key.turn = data.syntheticTurn;
  if (data.syntheticAppearance !== 'stripes') key.appearance = data.syntheticAppearance;
  if (data.renderScale !== 1) key.renderScale = data.renderScale;
  return key;
}

/**
 * The cache folder of TV-L1 flows for `config`'s decoding resolution, TV-L1
 * settings and quantisation (`bound`: 8-bit JPEGs as extract-flow writes
 * them; none: exact .flo files). Each video's folder in it also records its
 * input's identity, so a changed or other video is never read from it.
 */
export function flowCacheDir(cacheRoot: string, config: TrainConfig, bound?: number, motionNet?: { sha1: string }): string {
  // the flow method: TV-L1's settings, or the MotionNet checkpoint's contents
  const method = motionNet != null ? { motionnet: motionNet.sha1 } : { tvl1: resolveOptions({}) };
  const settings = { ...method, shorter: decodeShorterSide(config) ?? 'native', kind: config.data.kind, size: config.data.kind === 'synthetic' ? config.data.size : null, pixels: 2, ...syntheticKey(config) };
  const key = createHash('sha1')
    // pixels: video-io's frames (the decoder's planes converted in JS, not ffmpeg's rgb24) since version 2 of this key
    .update(JSON.stringify(bound != null ? { ...settings, jpegBound: bound } : settings))
    .digest('hex')
    .slice(0, 12);
  return path.join(cacheRoot, 'flows', key);
}

/** The decoded size of a video or frame folder with that shorter side. */
async function decodedSize(sample: Exclude<Sample, { kind: 'synthetic' }>, shorter: number): Promise<Size> {
  const size =
    sample.kind === 'video' ? await probeVideo(sample.path) : await readImage(path.join(sample.path, frameFileName(detectFrameTemplate(sample.path) ?? DEFAULT_TEMPLATE, 0)));
  return shorterSide(size, shorter);
}

const floName = (j: number) => `flow_${String(j + 1).padStart(5, '0')}.flo`;

/**
 * The flow extraction of a config's datasets (`trajectorynet extract-flow
 * --config`): each real video into `<outDir>/<id without extension>`, at the
 * resolution training decodes it at, so that data.flowDir = outDir trains.
 */
export async function extractionJobs(config: TrainConfig, datasets: Dataset[], outDir: string): Promise<VideoJob[]> {
  const shorter = decodeShorterSide(config);
  const samples = [...new Map(datasets.flatMap((d) => d.samples).map((s) => [s.id, s])).values()];
  const real = samples.filter((s): s is Exclude<Sample, { kind: 'synthetic' }> => s.kind !== 'synthetic');
  if (real.length === 0) throw new TrainingError('BAD_CONFIG', 'the synthetic dataset has no videos to extract: its flows are computed (or read from the generator) when training', { path: 'data.kind' });
  return Promise.all(real.map(async (s) => ({ input: s.path, outDir: flowFolderOf(outDir, s), resize: shorter != null ? await decodedSize(s, shorter) : undefined })));
}

/** The consecutive pairs a test pipeline's clips of `sample` need (pair j: frames j -> j+1). */
async function testPairs(sample: Exclude<Sample, { kind: 'synthetic' }>, pipeline: ClipPipeline): Promise<number[]> {
  const template = sample.kind === 'frames' ? (detectFrameTemplate(sample.path) ?? undefined) : undefined;
  const frameCount = sample.frameCount > 0 ? sample.frameCount : await countFrames(sample.path, { template });
  return clipPairs(testClipIndices(pipeline, frameCount));
}

interface SampleExtraction {
  shorter: number | undefined;
  pool: FlowPool;
  /** Only the pairs of this test pipeline's clips. */
  onlyFor?: ClipPipeline;
  /** 8-bit JPEGs quantised with this bound instead of .flo files. */
  bound?: number;
  onProgress?: (done: number, total: number) => void;
}

/** TV-L1 flows of one sample's consecutive frames into its cache folder (all, or those of `onlyFor`'s clips); returns the pairs solved. */
async function extractSample(sample: Sample, folder: string, { shorter, pool, onlyFor, bound, onProgress }: SampleExtraction): Promise<number> {
  if (sample.kind === 'synthetic') {
    const clip = renderSyntheticClip(sample);
    let solved = 0;
    await Promise.all(
      clip.frames.slice(1).map(async (next, j) => {
        const file = path.join(folder, floName(j));
        if (existsSync(file)) return;
        const frame = (data: Uint8Array) => ({ data, width: clip.width, height: clip.height, channels: 3 as const });
        await writeFlo(file, await pool.compute(frame(clip.frames[j]), frame(next), {}, `${sample.id} pair ${j + 1}`));
        solved += 1;
      }),
    );
    return solved;
  }
  const resize = shorter != null ? await decodedSize(sample, shorter) : undefined;
  const template = sample.kind === 'frames' ? (detectFrameTemplate(sample.path) ?? undefined) : undefined;
  const pairs = onlyFor != null ? await testPairs(sample, onlyFor) : undefined;
  if (pairs?.length === 0) return 0;
  const format = bound != null ? 'jpg' : 'flo';
  const result = await extractFlow(sample.path, folder, { format, bound, resize, pool, template, pairs, onProgress });
  return result.computed;
}

export interface PrepareFlowsOptions {
  /** Where computed TV-L1 flows are kept. */
  cacheRoot: string;
  /** Show a progress bar while solving. */
  quiet?: boolean;
  /** Solve only the pairs this test pipeline's clips need (predicting one video), not every pair; progress is then counted in pairs. */
  onlyFor?: ClipPipeline;
  /** Quantise to 8-bit JPEGs with this bound, as a model trained on extract-flow's flows saw them (predicting with it). */
  quantise?: number;
  log?: (message: string) => void;
}

/**
 * Refuses precomputed flows that extract-flow recorded as made at a smaller
 * frame size than training decodes at (their detail is missing: upsampled,
 * not what the config describes), or quantised with another bound than
 * data.flowBound, naming the first such folder. Flows made larger are
 * resampled to the frames (dense_flow's 340x256 for a 128 shorter side),
 * which is fine. Returns how many folders have no record to check.
 */
async function checkPrecomputed(config: TrainConfig, samples: Sample[], spec: FlowSpec & { source: 'files' }): Promise<number> {
  const shorter = decodeShorterSide(config);
  const again = 'extract them again (`trajectorynet extract-flow --config` with this config) or change the config';
  let unrecorded = 0;
  for (const sample of samples) {
    const folder = flowFolderOf(spec.dir, sample);
    const record = await readFlowRecord(folder);
    if (record == null) {
      unrecorded += 1;
      continue;
    }
    if (record.format === 'jpg' && record.bound !== config.data.flowBound) {
      throw new TrainingError('BAD_DATA', `flows quantised with bound ${record.bound}, but data.flowBound is ${config.data.flowBound}: set data.flowBound=${record.bound} or ${again}`, { path: folder });
    }
    if (shorter == null) continue; // synthetic: no real videos
    // the size flow was computed at: the one asked for, or (native size) the first flow's own
    const size = record.resize ?? (await pairFlows(sample, spec).pair(0));
    if (Math.min(size.width, size.height) < shorter) {
      throw new TrainingError('BAD_DATA', `flows computed at ${size.width}x${size.height}, smaller than training decodes this video (shorter side ${shorter}): ${again}`, { path: folder });
    }
  }
  return unrecorded;
}

/** Pairs MotionNet solves in one batch. */
const MOTIONNET_BATCH = 32;

/**
 * A pretrained pairwise MotionNet as a flow pool, and the checkpoint's hash
 * for the cache key. Pairs asked for together (a video's pairs are) are
 * solved in batches of up to 32 in one network call each, in this thread
 * (tfjs runs it).
 */
async function motionNetFlowPool(pretrained: string): Promise<{ pool: FlowPool; sha1: string }> {
  const file = pretrained.endsWith('.ckpt') ? pretrained : path.join(pretrained, LATEST);
  const bytes = await readFile(file).catch(() => {
    throw new TrainingError('BAD_CONFIG', 'no MotionNet checkpoint here (write one with `trajectorynet pretrain-motionnet procedural`)', { path: file });
  });
  const { model, meta } = await loadMotionNet(file);
  if (meta.settings.frames !== 2) {
    model.dispose();
    throw new TrainingError('BAD_CONFIG', `'motionnet-frozen' takes a pairwise MotionNet (pretrained with --frames 2); this one takes ${meta.settings.frames} frames`, { path: file });
  }
  type Request = { pair: [Image, Image]; resolve: (flow: Flow) => void; reject: (error: unknown) => void };
  const queue: Request[] = [];
  let scheduled = false;
  const flush = async () => {
    scheduled = false;
    // one size per batch (a dataset's videos may differ)
    const { width, height } = queue[0].pair[0];
    const batch: Request[] = [];
    for (let i = 0; i < queue.length && batch.length < MOTIONNET_BATCH; ) {
      if (queue[i].pair[0].width === width && queue[i].pair[0].height === height) batch.push(...queue.splice(i, 1));
      else i += 1;
    }
    if (queue.length > 0) schedule();
    try {
      const flows = await predictFlows(
        model,
        batch.map((r) => r.pair),
      );
      for (const [k, r] of batch.entries()) r.resolve(flows[k]);
    } catch (error) {
      for (const r of batch) r.reject(error);
    }
  };
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(flush);
  };
  const pool: FlowPool = {
    size: MOTIONNET_BATCH,
    compute: (frame0, frame1) => {
      if (frame0.channels !== 3 || frame1.channels !== 3) return Promise.reject(new TrainingError('BAD_DATA', 'MotionNet takes RGB frames', { path: pretrained }));
      return new Promise<Flow>((resolve, reject) => {
        queue.push({ pair: [{ ...frame0, channels: 3 } as Image, { ...frame1, channels: 3 } as Image], resolve, reject });
        schedule();
      });
    },
    close: async () => {
      model.dispose();
    },
  };
  return { pool, sha1: createHash('sha1').update(bytes).digest('hex') };
}

/** Makes sure the flows of `datasets` exist (solving TV-L1 where needed) and says where they are. */
export async function prepareFlows(config: TrainConfig, datasets: Dataset[], options: PrepareFlowsOptions): Promise<RunFlows> {
  const source = flowSourceOf(config);
  if (source === 'none' || source === 'motionnet') return { source, solves: 0 };
  if (source === 'groundtruth') return { source, spec: { source: 'synthetic', noise: config.model.trajectoryNoise, spin: config.model.trajectorySpin }, solves: 0 };
  const samples = datasets.flatMap((d) => d.samples);
  if (source === 'precomputed') {
    const dir = config.data.flowDir as string;
    const missing = samples.filter((s) => !existsSync(flowFolderOf(dir, s)));
    if (missing.length > 0) {
      throw new TrainingError('BAD_DATA', `${missing.length} of ${samples.length} videos have no flow folder, e.g. ${flowFolderOf(dir, missing[0])} (extract them with \`trajectorynet extract-flow\`)`, {
        path: dir,
      });
    }
    const spec: FlowSpec = { source: 'files', dir, bound: config.data.flowBound };
    const unrecorded = await checkPrecomputed(config, samples, spec);
    if (unrecorded > 0) options.log?.(`${unrecorded} of ${samples.length} flow folders in ${dir} have no ${FLOW_RECORD} (written by another tool): their frame size and bound are not checked`);
    return { source, spec, solves: 0 };
  }
  const motionNet = source === 'motionnet-frozen' ? await motionNetFlowPool(config.motionnet.pretrained as string) : null;
  const dir = flowCacheDir(options.cacheRoot, config, options.quantise, motionNet ?? undefined);
  const method = motionNet != null ? 'MotionNet' : 'TV-L1';
  const shorter = decodeShorterSide(config);
  const pool = motionNet?.pool ?? createFlowPool();
  // one video (predict): its pairs; a dataset: its videos
  const byPair = options.onlyFor != null && samples.length === 1;
  let progress: ReturnType<typeof createProgress> | null = null;
  const show = (done: number, total: number, fields: Record<string, number>) => {
    if (options.quiet) return;
    progress ??= createProgress({ label: `${method} flows`, total, unit: byPair ? 'pairs' : 'videos' });
    progress.update(done, fields);
  };
  let solves = 0;
  try {
    for (const [i, sample] of samples.entries()) {
      const onProgress = byPair ? (done: number, total: number) => total > 0 && show(done, total, {}) : undefined;
      solves += await extractSample(sample, flowFolderOf(dir, sample), { shorter, pool, onlyFor: options.onlyFor, bound: options.quantise, onProgress });
      if (!byPair) show(i + 1, samples.length, { solved: solves });
    }
  } finally {
    (progress as ReturnType<typeof createProgress> | null)?.stop();
    await pool.close();
  }
  if (solves > 0) options.log?.(`${method}: ${solves} frame pairs solved into ${dir}`);
  return { source, spec: { source: 'files', dir, ...(options.quantise != null ? { bound: options.quantise } : {}) }, solves };
}
