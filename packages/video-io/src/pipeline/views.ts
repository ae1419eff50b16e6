/**
 * The clip pipeline as plain JSON and the parts of it that do not read files
 * (Node and browsers): which frames each test view takes, the output shapes,
 * and the float clip (frames and flows cropped, resized, flipped and
 * normalised) of frames already decoded. clip-pipeline.ts decodes samples
 * in Node and calls `clipFromFrames`; a web page decodes with the browser and
 * calls the same function.
 */
import type { Frames } from '../ffmpeg/decode.js';
import { VideoIOError } from '../errors.js';
import type { FlowSpec } from './clip-flows.js';
import { clipFlows, flowsToFloat, type PairFlows } from './flow-math.js';
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
  /** Decode frames scaled so that the shorter side has this many pixels (videos: `resizeRgb`; frame folders: sharp's bilinear scaler). */
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

/** The frame numbers of each clip of a pipeline (random ones drawn from `random` in training). */
export function clipIndices(p: ClipPipeline, frameCount: number, random: Random): number[][] {
  const clips = clipCount(p);
  return Array.from({ length: clips }, (_, c) => {
    const s = p.sampling;
    if (s.kind === 'segments') return segmentIndices(frameCount, s.segments, p.mode, random, (c + 0.5) / clips);
    return denseIndices(frameCount, { clipLength: s.clipLength, interval: s.interval, mode: p.mode, clipIndex: c, numClips: clips, random });
  });
}

/** The consecutive frame pairs (pair j: frames j -> j+1) that clips' flows chain through, sorted (`clipFlows` reads these). */
export function clipPairs(clips: number[][]): number[] {
  const pairs = new Set<number>();
  for (const clip of clips) for (let t = 0; t + 1 < clip.length; t++) for (let j = clip[t]; j < clip[t + 1]; j++) pairs.add(j);
  return [...pairs].sort((a, b) => a - b);
}

/** The size a frame of `size` is decoded at with `resizeShorter: shorter` (aspect kept, rounded). */
export function shorterSide(size: { width: number; height: number }, shorter: number): { width: number; height: number } {
  const scale = shorter / Math.min(size.width, size.height);
  return { width: Math.max(1, Math.round(size.width * scale)), height: Math.max(1, Math.round(size.height * scale)) };
}


/** Frames decoded for a clip: each clip's video frame numbers and their positions in `frames.frames`. */
export interface DecodedClips {
  frames: Frames;
  clips: { indices: number[]; positions: number[] }[];
}

/**
 * The float clip (`pipelineShape`) and, with `pairs`, its flows
 * (`pipelineFlowShape`) of decoded frames: per clip and crop, in view order.
 * Random crops and flips come from `random` in a fixed order.
 */
export async function clipFromFrames(decoded: DecodedClips, pipeline: ClipPipeline, random: Random, pairs: PairFlows | null): Promise<{ data: Float32Array; shape: number[]; flows?: Float32Array }> {
  const { frames, clips } = decoded;
  const { width, height } = frames;
  const shape = pipelineShape(pipeline);
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
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
  return { data, shape, flows };
}
