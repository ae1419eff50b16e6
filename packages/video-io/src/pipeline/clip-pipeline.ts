/**
 * A clip pipeline as plain JSON (so a worker thread can receive it): which
 * frames to sample, how to decode, crop, flip and normalise them. `loadClip`
 * applies it to one sample; the loader runs it in this thread or in workers,
 * with the same results for the same random stream.
 */
import path from 'node:path';
import type { Sample } from '../datasets/manifests.js';
import { renderSyntheticClip } from '../datasets/synthetic.js';
import { VideoIOError } from '../errors.js';
import { type Frames, readFrames, type Size } from '../ffmpeg/decode.js';
import { probeVideo } from '../ffmpeg/probe.js';
import { countFolderFrames, DEFAULT_TEMPLATE, detectFrameTemplate, frameFileName, readFrameFolder, readImage } from '../frames/folder.js';
import type { LoadedClip } from '../loader.js';
import { clipFlows, type FlowSpec, flowsToFloat, pairFlows } from './clip-flows.js';
import { denseIndices, type Random, segmentIndices } from './sampling.js';
import { type CropKind, cropBox, framesToFloat, IMAGENET_MEAN, IMAGENET_STD } from './transforms.js';

export type SamplingSpec =
  /** TSN: one frame in each of `segments` equal segments. */
  | { kind: 'segments'; segments: number; numClips?: number }
  /** `clipLength` frames every `interval` frames. */
  | { kind: 'dense'; clipLength: number; interval: number; numClips?: number };

export interface ClipPipeline {
  /** `numClips` (test mode, default 1): segment positions (c + 0.5) / numClips, or evenly spread dense windows. */
  sampling: SamplingSpec;
  /** train: random frames, crops and flips; test: fixed frames. */
  mode: 'train' | 'test';
  /** Decode frames scaled so that the shorter side has this many pixels (ffmpeg's / sharp's bilinear scaler). */
  resizeShorter?: number;
  /** 'three': left/top, centre and right/bottom squares, as three views. */
  crop: 'random' | 'centre' | 'three' | 'multiscale' | 'full';
  /** Output [width, height]. */
  size: [number, number];
  /** Train mode: flip horizontally with probability 1/2 (keep off for Something-Something). */
  flip: boolean;
  /** Per-channel mean and std of the 0..1 pixels; default ImageNet's. */
  mean?: [number, number, number];
  std?: [number, number, number];
  /** Frame folders' file names; default: detected from the folder (img_{:05d}.jpg, {:05d}.jpg, ...). */
  template?: string;
  /** Also give the flows between consecutive sampled frames, transformed like the frames (trajectory models). */
  flows?: FlowSpec;
}

const THREE: CropKind[] = ['three-left', 'three-centre', 'three-right'];
const CROPS = ['random', 'centre', 'three', 'multiscale', 'full'];

const positiveInteger = (v: unknown) => Number.isInteger(v) && (v as number) > 0;

/** Throws a VideoIOError naming the bad field; the loader checks before starting any work. */
export function checkPipeline(p: ClipPipeline): void {
  const bad = (why: string) => new VideoIOError('BAD_ARGUMENT', why, { path: 'pipeline' });
  const s = p.sampling;
  if (s?.kind === 'segments') {
    if (!positiveInteger(s.segments)) throw bad(`sampling.segments must be a positive integer, got ${s.segments}`);
  } else if (s?.kind === 'dense') {
    if (!positiveInteger(s.clipLength) || !positiveInteger(s.interval)) throw bad(`sampling.clipLength and interval must be positive integers, got ${s.clipLength}, ${s.interval}`);
  } else throw bad(`sampling.kind must be 'segments' or 'dense', got ${JSON.stringify((s as { kind?: unknown } | undefined)?.kind)}`);
  if (s.numClips != null && !positiveInteger(s.numClips)) throw bad(`sampling.numClips must be a positive integer, got ${s.numClips}`);
  if (p.mode !== 'train' && p.mode !== 'test') throw bad(`mode must be 'train' or 'test', got ${JSON.stringify(p.mode)}`);
  if (!CROPS.includes(p.crop)) throw bad(`crop must be one of ${CROPS.join(', ')}, got ${JSON.stringify(p.crop)}`);
  if (!Array.isArray(p.size) || p.size.length !== 2 || !p.size.every(positiveInteger)) throw bad(`size must be [width, height] in pixels, got ${JSON.stringify(p.size)}`);
  if (p.resizeShorter != null && !positiveInteger(p.resizeShorter)) throw bad(`resizeShorter must be a positive integer, got ${p.resizeShorter}`);
  if (p.flows != null) {
    if (p.flows.source === 'files' && typeof p.flows.dir !== 'string') throw bad(`flows.dir must be a folder, got ${JSON.stringify(p.flows.dir)}`);
    if (p.flows.source !== 'files' && p.flows.source !== 'synthetic') throw bad(`flows.source must be 'files' or 'synthetic', got ${JSON.stringify((p.flows as { source?: unknown }).source)}`);
    if (p.flows.source === 'files' && p.flows.bound != null && !(p.flows.bound > 0)) throw bad(`flows.bound must be positive, got ${p.flows.bound}`);
  }
}

/** Views per sample: test-time clips times crops (1 in training). */
export function pipelineViews(p: ClipPipeline): number {
  return clipCount(p) * (p.crop === 'three' ? 3 : 1);
}

const clipCount = (p: ClipPipeline) => (p.mode === 'test' ? (p.sampling.numClips ?? 1) : 1);

const clipFrames = (p: ClipPipeline) => (p.sampling.kind === 'segments' ? p.sampling.segments : p.sampling.clipLength);

/** The shape of `loadClip`'s data: [T, H, W, 3], or [views, T, H, W, 3] with several views. */
export function pipelineShape(p: ClipPipeline): number[] {
  const clip = [clipFrames(p), p.size[1], p.size[0], 3];
  const views = pipelineViews(p);
  return views === 1 ? clip : [views, ...clip];
}

/** The shape of `loadClip`'s flows: [2, T-1, H, W, 2] (forward then backward), or [views, 2, T-1, H, W, 2]. */
export function pipelineFlowShape(p: ClipPipeline): number[] {
  const flows = [2, clipFrames(p) - 1, p.size[1], p.size[0], 2];
  const views = pipelineViews(p);
  return views === 1 ? flows : [views, ...flows];
}

/**
 * The frame numbers (0-based) of each clip a test pipeline takes from a video
 * of `frameCount` frames: fixed, so known before decoding (e.g. to compute
 * only the flows those clips need).
 */
export function testClipIndices(p: ClipPipeline, frameCount: number): number[][] {
  if (p.mode !== 'test') throw new VideoIOError('BAD_ARGUMENT', 'training clips are drawn at random: only a test pipeline has fixed frames', { path: 'pipeline.mode' });
  return clipIndices(p, frameCount, () => 0.5);
}

function clipIndices(p: ClipPipeline, frameCount: number, random: Random): number[][] {
  const clips = clipCount(p);
  return Array.from({ length: clips }, (_, c) => {
    const s = p.sampling;
    if (s.kind === 'segments') return segmentIndices(frameCount, s.segments, p.mode, random, (c + 0.5) / clips);
    return denseIndices(frameCount, { clipLength: s.clipLength, interval: s.interval, mode: p.mode, clipIndex: c, numClips: clips, random });
  });
}

/** The size a frame of `size` is decoded at with `resizeShorter: shorter` (aspect kept, rounded). */
export function shorterSide(size: Size, shorter: number): Size {
  const scale = shorter / Math.min(size.width, size.height);
  return { width: Math.max(1, Math.round(size.width * scale)), height: Math.max(1, Math.round(size.height * scale)) };
}

/** Frame count and (when resizing) stored frame size, read as cheaply as the sample allows. */
async function measure(sample: Exclude<Sample, { kind: 'synthetic' }>, template: string, needSize: boolean): Promise<{ frameCount: number; size?: Size }> {
  if (sample.kind === 'video') {
    if (sample.frameCount > 0 && !needSize) return { frameCount: sample.frameCount };
    const info = await probeVideo(sample.path);
    return { frameCount: sample.frameCount > 0 ? sample.frameCount : info.frameCount, size: info };
  }
  const frameCount = sample.frameCount > 0 ? sample.frameCount : await countFolderFrames(sample.path, template);
  return { frameCount, size: needSize ? await readImage(path.join(sample.path, frameFileName(template, 0))) : undefined };
}

/** The decoded frames and, per clip, its video frame numbers and their positions in `frames`. */
async function decode(sample: Sample, p: ClipPipeline, random: Random): Promise<{ frames: Frames; clips: { indices: number[]; positions: number[] }[] }> {
  if (sample.kind === 'synthetic') {
    if (p.resizeShorter != null) throw new VideoIOError('BAD_ARGUMENT', 'resizeShorter is not supported for synthetic samples (render them at the size you want)', { path: sample.path });
    const rendered = renderSyntheticClip(sample);
    return { frames: rendered, clips: clipIndices(p, rendered.frames.length, random).map((indices) => ({ indices, positions: indices })) };
  }
  const template = p.template ?? (sample.kind === 'frames' ? detectFrameTemplate(sample.path) : null) ?? DEFAULT_TEMPLATE;
  const { frameCount, size } = await measure(sample, template, p.resizeShorter != null);
  const resize = size != null && p.resizeShorter != null ? shorterSide(size, p.resizeShorter) : undefined;
  const clips = clipIndices(p, frameCount, random);
  const unique = [...new Set(clips.flat())].sort((a, b) => a - b);
  const frames = sample.kind === 'frames' ? await readFrameFolder(sample.path, { indices: unique, template, resize }) : await readFrames(sample.path, { indices: unique, resize });
  return { frames, clips: clips.map((indices) => ({ indices, positions: indices.map((i) => unique.indexOf(i)) })) };
}

/**
 * One sample through the pipeline: a float clip of `pipelineShape(pipeline)`.
 * Random choices (frames, crops, flips) come from `random` in a fixed order,
 * so the same stream gives the same clip in any thread. Errors name the sample's path.
 */
export async function loadClip(sample: Sample, pipeline: ClipPipeline, random: Random): Promise<LoadedClip> {
  try {
    const { frames, clips } = await decode(sample, pipeline, random);
    const { width, height } = frames;
    const shape = pipelineShape(pipeline);
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    const pairs = pipeline.flows != null ? pairFlows(sample, pipeline.flows) : null;
    const flowShape = pipelineFlowShape(pipeline);
    const flows = pairs != null ? new Float32Array(flowShape.reduce((a, b) => a * b, 1)) : undefined;
    const crops = pipeline.crop === 'three' ? THREE : [pipeline.crop as CropKind];
    let offset = 0;
    let flowOffset = 0;
    for (const clip of clips) {
      const clipFrames = clip.positions.map((i) => frames.frames[i]);
      // a clip's flows do not depend on the crop: computed once, resampled per view
      const between = pairs != null ? await clipFlows(pairs, clip.indices) : null;
      for (const kind of crops) {
        const box = cropBox(kind, width, height, random);
        const flip = pipeline.flip && pipeline.mode === 'train' && random() < 0.5;
        const transform = { box, outWidth: pipeline.size[0], outHeight: pipeline.size[1], flip, mean: pipeline.mean ?? IMAGENET_MEAN, std: pipeline.std ?? IMAGENET_STD };
        offset += framesToFloat(clipFrames, width, height, transform, data, offset);
        if (between != null && flows != null) flowOffset += flowsToFloat([...between.forward, ...between.backward], width, height, transform, flows, flowOffset);
      }
    }
    return { data, shape, label: sample.label, flows };
  } catch (error) {
    if (error instanceof VideoIOError) throw error;
    throw new VideoIOError('CORRUPT', `cannot load the sample: ${(error as Error).message}`, { path: sample.path, cause: error });
  }
}
