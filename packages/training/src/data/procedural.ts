/**
 * MotionNet pretraining data from video-io's procedural generator: a new
 * sequence of textured layers in smooth affine motion for every stack, drawn
 * from (seed, round, position) so that a resumed run sees the same stacks.
 * Textures are crops of real frames (decoded once, up front) and synthetic
 * patterns. The true flow comes with every stack, for the rounds that train
 * on it (supervision 'flow', supervisedFrom); the unsupervised rounds ignore it.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { mixSeeds } from '@trajectorynet/core';
import {
  countFrames,
  detectFrameTemplate,
  type ProceduralOptions,
  type RgbImage,
  readFrameFolder,
  readFrames,
  readImage,
  renderProceduralSequence,
} from '@trajectorynet/video-io';
import { TrainingError } from '../errors.js';

/** The procedural generator as a pretraining source; size and frames come from the pretraining settings. */
export interface ProceduralSource {
  kind: 'procedural';
  /** Real images to crop textures from (`loadTextureFrames`); none: synthetic textures only. */
  textures?: RgbImage[];
  /** Generator settings other than size, frames and textures (motion limits, layers, texture kinds). */
  options?: ProceduralSettings;
  /** The settings of the rounds trained on the true flow (supervision 'flow', supervisedFrom). Default: `options`. */
  supervisedOptions?: ProceduralSettings;
}

/** The generator's settings other than those the pretraining run sets (size, frames, textures). */
export type ProceduralSettings = Omit<ProceduralOptions, 'width' | 'height' | 'frames' | 'textures'>;

const IMAGE_EXTENSIONS = /\.(jpe?g|png|ppm|pgm)$/i;
const VIDEO_EXTENSIONS = /\.(mp4|avi|webm|mkv|mov|m4v)$/i;

/**
 * Texture images from videos, frame folders, images or folders of them:
 * `framesPerVideo` evenly spaced frames of each video and frame folder, and every image.
 */
export async function loadTextureFrames(paths: string[], framesPerVideo = 8): Promise<RgbImage[]> {
  const images: RgbImage[] = [];
  for (const entry of paths) {
    const info = await stat(entry).catch(() => null);
    if (info == null) throw new TrainingError('BAD_DATA', 'no such file or folder (procedural textures)', { path: entry });
    if (info.isFile() && IMAGE_EXTENSIONS.test(entry)) {
      images.push(await readImage(entry));
      continue;
    }
    const template = info.isDirectory() ? detectFrameTemplate(entry) : null;
    if (info.isDirectory() && template == null) {
      const names = (await readdir(entry)).sort();
      const inside = names.filter((n) => IMAGE_EXTENSIONS.test(n) || VIDEO_EXTENSIONS.test(n) || !path.extname(n)).map((n) => path.join(entry, n));
      images.push(...(await loadTextureFrames(inside, framesPerVideo)));
      continue;
    }
    if (info.isFile() && !VIDEO_EXTENSIONS.test(entry)) continue;
    const count = await countFrames(entry, { template: template ?? undefined });
    const n = Math.min(framesPerVideo, count);
    const indices = Array.from({ length: n }, (_, i) => Math.floor(((i + 0.5) * count) / n));
    const decoded = template != null ? await readFrameFolder(entry, { indices, template }) : await readFrames(entry, { indices });
    for (const data of decoded.frames) images.push({ width: decoded.width, height: decoded.height, data });
  }
  return images;
}

/** One batch of stacks [batch, frames, height, width, 3] in 0..1, as MotionNet takes them, and their true forward flows [batch, frames - 1, height, width, 2] (pixels). */
export interface StackBatch {
  data: Float32Array;
  shape: [number, number, number, number, number];
  flows: Float32Array;
  flowShape: [number, number, number, number, number];
}

/**
 * The stacks of round `round` from position `start` on, `count` batches of
 * `batchSize`: stack i of the round is the sequence of mixSeeds(seed, 'procedural', round, i).
 */
export function* proceduralStacks(
  source: ProceduralSource,
  s: { frames: number; height: number; width: number; batchSize: number; seed: number },
  round: number,
  start: number,
  count: number,
): Generator<StackBatch> {
  const { frames, height, width, batchSize } = s;
  const options: ProceduralOptions = { ...source.options, width, height, frames, textures: source.textures };
  const frameSize = height * width * 3;
  for (let b = 0; b < count; b++) {
    const data = new Float32Array(batchSize * frames * frameSize);
    const flows = new Float32Array(batchSize * (frames - 1) * height * width * 2);
    for (let k = 0; k < batchSize; k++) {
      const sequence = renderProceduralSequence(options, mixSeeds(s.seed, 'procedural', round, start + b * batchSize + k));
      sequence.frames.forEach((frame, t) => {
        const offset = (k * frames + t) * frameSize;
        for (let i = 0; i < frameSize; i++) data[offset + i] = frame[i] / 255;
      });
      sequence.flows.forEach((flow, t) => {
        const offset = (k * (frames - 1) + t) * height * width * 2;
        for (let i = 0; i < height * width; i++) {
          flows[offset + 2 * i] = flow.u[i];
          flows[offset + 2 * i + 1] = flow.v[i];
        }
      });
    }
    yield { data, shape: [batchSize, frames, height, width, 3], flows, flowShape: [batchSize, frames - 1, height, width, 2] };
  }
}
