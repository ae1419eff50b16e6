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
 * - groundtruth: the synthetic generator's true motion.
 * - motionnet / none: no flows are loaded.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createProgress } from '@trajectorynet/core/node';
import { createFlowPool, extractFlow, type FlowPool, resolveOptions, type VideoJob } from '@trajectorynet/tvl1-flow';
import {
  type ClipPipeline,
  clipPairs,
  countFrames,
  type Dataset,
  detectFrameTemplate,
  type FlowSpec,
  flowFolderOf,
  frameFileName,
  probeVideo,
  readImage,
  renderSyntheticClip,
  type Sample,
  shorterSide,
  type Size,
  testClipIndices,
  writeFlo,
  DEFAULT_TEMPLATE,
} from '@trajectorynet/video-io';
import type { TrainConfig } from '../config/schema.js';
import { TrainingError } from '../errors.js';
import { decodeShorterSide } from './pipelines.js';

export type FlowSource = 'precomputed' | 'tvl1' | 'groundtruth' | 'motionnet' | 'none';

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

/** The cache folder of TV-L1 flows for `config`'s decoding resolution and TV-L1 settings. */
export function flowCacheDir(cacheRoot: string, config: TrainConfig): string {
  const key = createHash('sha1')
    // pixels: video-io's frames (the decoder's planes converted in JS, not ffmpeg's rgb24) since version 2 of this key
    .update(JSON.stringify({ tvl1: resolveOptions({}), shorter: decodeShorterSide(config) ?? 'native', kind: config.data.kind, size: config.data.kind === 'synthetic' ? config.data.size : null, pixels: 2, ...syntheticKey(config) }))
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

/** TV-L1 flows of one sample's consecutive frames into its cache folder (all, or those of `onlyFor`'s clips); returns the pairs solved. */
async function extractSample(sample: Sample, folder: string, shorter: number | undefined, pool: FlowPool, onlyFor?: ClipPipeline): Promise<number> {
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
  const result = await extractFlow(sample.path, folder, { format: 'flo', resize, pool, template, pairs });
  return result.computed;
}

export interface PrepareFlowsOptions {
  /** Where computed TV-L1 flows are kept. */
  cacheRoot: string;
  /** Show a progress bar while solving. */
  quiet?: boolean;
  /** Solve only the pairs this test pipeline's clips need (predicting one video), not every pair. */
  onlyFor?: ClipPipeline;
  log?: (message: string) => void;
}

/** Makes sure the flows of `datasets` exist (solving TV-L1 where needed) and says where they are. */
export async function prepareFlows(config: TrainConfig, datasets: Dataset[], options: PrepareFlowsOptions): Promise<RunFlows> {
  const source = flowSourceOf(config);
  if (source === 'none' || source === 'motionnet') return { source, solves: 0 };
  if (source === 'groundtruth') return { source, spec: { source: 'synthetic', noise: config.model.trajectoryNoise }, solves: 0 };
  const samples = datasets.flatMap((d) => d.samples);
  if (source === 'precomputed') {
    const dir = config.data.flowDir as string;
    const missing = samples.filter((s) => !existsSync(flowFolderOf(dir, s)));
    if (missing.length > 0) {
      throw new TrainingError('BAD_DATA', `${missing.length} of ${samples.length} videos have no flow folder, e.g. ${flowFolderOf(dir, missing[0])} (extract them with \`trajectorynet extract-flow\`)`, {
        path: dir,
      });
    }
    return { source, spec: { source: 'files', dir, bound: config.data.flowBound }, solves: 0 };
  }
  const dir = flowCacheDir(options.cacheRoot, config);
  const shorter = decodeShorterSide(config);
  const pool = createFlowPool();
  const progress = options.quiet ? null : createProgress({ label: 'TV-L1 flows', total: samples.length, unit: 'videos' });
  let solves = 0;
  try {
    for (const [i, sample] of samples.entries()) {
      solves += await extractSample(sample, flowFolderOf(dir, sample), shorter, pool, options.onlyFor);
      progress?.update(i + 1, { solved: solves });
    }
  } finally {
    progress?.stop();
    await pool.close();
  }
  if (solves > 0) options.log?.(`TV-L1: ${solves} frame pairs solved into ${dir}`);
  return { source, spec: { source: 'files', dir }, solves };
}
