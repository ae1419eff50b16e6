/**
 * Training data for MotionNet pretraining: stacks of consecutive frames taken
 * at a random time and a random crop (of the input's aspect ratio) of a video,
 * frame folder or synthetic clip, resized to the network's input size, RGB in 0..1.
 * No labels are used.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import {
  countFrames,
  detectFrameTemplate,
  type Dataset,
  type Frames,
  framesToFloat,
  type Random,
  readFrameFolder,
  readFrames,
  renderSyntheticClip,
  type Sample,
  type SyntheticSample,
} from '@trajectorynet/video-io';
import { MotionNetError } from './errors.js';

/** A folder of videos (searched recursively), one video, one frame folder, or the samples of any video-io dataset. */
export type MotionNetSource = string | Dataset<Sample | SyntheticSample>;

export interface StackOptions {
  /** Frames per stack (MotionNet's n + 1). */
  frames: number;
  /** Take every `frameStep`-th frame (1: consecutive). */
  frameStep: number;
  height: number;
  width: number;
}

const VIDEO_EXTENSIONS = /\.(mp4|avi|webm|mkv|mov|m4v)$/i;

/** The samples of a source; a folder gives its videos and frame folders (recursively). */
export async function sourceSamples(source: MotionNetSource): Promise<(Sample | SyntheticSample)[]> {
  if (typeof source !== 'string') {
    if (source.samples.length === 0) throw new MotionNetError('the dataset has no samples');
    return source.samples;
  }
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(source);
  } catch {
    throw new MotionNetError(`${source}: no such file or folder`);
  }
  if (info.isFile()) return [{ path: source, label: 0, frameCount: 0, kind: 'video' }];
  const samples: Sample[] = [];
  const visit = async (dir: string) => {
    if (detectFrameTemplate(dir) != null) {
      samples.push({ path: dir, label: 0, frameCount: 0, kind: 'frames' });
      return;
    }
    for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await visit(full);
      else if (VIDEO_EXTENSIONS.test(entry.name)) samples.push({ path: full, label: 0, frameCount: 0, kind: 'video' });
    }
  };
  await visit(source);
  if (samples.length === 0) throw new MotionNetError(`${source}: no videos (${VIDEO_EXTENSIONS.source}) or frame folders found`);
  return samples;
}

/** Loads frame stacks, remembering each sample's frame count. */
export class StackReader {
  private readonly counts = new Map<string, number>();

  constructor(private readonly options: StackOptions) {}

  private async frameCount(sample: Sample | SyntheticSample): Promise<number> {
    if (sample.frameCount > 0) return sample.frameCount;
    let count = this.counts.get(sample.path);
    if (count == null) {
      count = await countFrames(sample.path, { template: detectFrameTemplate(sample.path) ?? undefined });
      this.counts.set(sample.path, count);
    }
    return count;
  }

  /** One stack [frames, height, width, 3] in 0..1, written into `out` at `offset`. */
  async read(sample: Sample | SyntheticSample, random: Random, out: Float32Array, offset: number): Promise<void> {
    const { frames, frameStep, width, height } = this.options;
    const span = (frames - 1) * frameStep + 1;
    const count = await this.frameCount(sample);
    if (count < span) throw new MotionNetError(`${sample.path}: ${count} frames, a stack of ${frames} frames every ${frameStep} needs ${span}`);
    const start = Math.floor(random() * (count - span + 1));
    const indices = Array.from({ length: frames }, (_, i) => start + i * frameStep);
    let decoded: Frames;
    if (sample.kind === 'synthetic') {
      const clip = renderSyntheticClip(sample as SyntheticSample);
      decoded = { ...clip, frames: indices.map((i) => clip.frames[i]) };
    } else if (sample.kind === 'frames') {
      decoded = await readFrameFolder(sample.path, { indices, template: detectFrameTemplate(sample.path) ?? undefined });
    } else {
      decoded = await readFrames(sample.path, { indices });
    }
    // the largest box of the input's aspect ratio, at a random place; mean 0 and std 1 keep framesToFloat's 0..1 pixels
    const scale = Math.min(decoded.width / width, decoded.height / height);
    const [bw, bh] = [Math.round(width * scale), Math.round(height * scale)];
    const box = { x: Math.floor(random() * (decoded.width - bw + 1)), y: Math.floor(random() * (decoded.height - bh + 1)), width: bw, height: bh };
    framesToFloat(decoded.frames, decoded.width, decoded.height, { box, outWidth: width, outHeight: height, flip: false, mean: [0, 0, 0], std: [1, 1, 1] }, out, offset);
  }
}
